using InventoryFunctions.Application;

namespace InventoryFunctions.Projections;

/// <summary>
/// A document the change feed delivered, as the event codec read it, with the inventory id and the positive version it
/// claims (null when it has none), so that an undecodable one can still be placed in its inventory's sequence.
/// </summary>
public sealed record ChangedDocument(string? InventoryId, long? Version, DecodeResult Result);

/// <summary>What rebuilding every view did: how many were rebuilt, and the inventories that could not be.</summary>
public sealed record RebuildAllResult(int Rebuilt, IReadOnlyList<string> Failed);

/// <summary>A document of the events container that cannot be decoded, reported for a person to look at.</summary>
public sealed record PoisonMessage(string? DocumentId, string? PartitionKey, long? Version, string Reason, DateTimeOffset DetectedAt);

/// <summary>
/// A message as the poison queue holds it: <see cref="Message"/> is null when its text is not a poison message (put
/// there by hand); <see cref="Receipt"/> is set only on received (not peeked) messages, to delete or release them.
/// </summary>
public sealed record QueuedPoison(string MessageId, PoisonMessage? Message, string Text, DateTimeOffset? InsertedAt, long DequeueCount, string? Receipt = null);

/// <summary>Where undecodable documents are reported, and where an operator lists and replays them.</summary>
public interface IPoisonQueue
{
    /// <summary>At most this many messages per peek or receive (the Storage queue's limit).</summary>
    public const int MaxBatch = 32;

    Task SendAsync(PoisonMessage message, CancellationToken cancellationToken);

    /// <summary>The approximate number of messages (visible or not): one request.</summary>
    Task<int> CountAsync(CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> messages from the front, left in place.</summary>
    Task<IReadOnlyList<QueuedPoison>> PeekAsync(int max, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> messages, hidden from other receivers for <paramref name="hiddenFor"/>.</summary>
    Task<IReadOnlyList<QueuedPoison>> ReceiveAsync(int max, TimeSpan hiddenFor, CancellationToken cancellationToken);

    Task DeleteAsync(QueuedPoison received, CancellationToken cancellationToken);

    /// <summary>Makes a received message visible again at once.</summary>
    Task ReleaseAsync(QueuedPoison received, CancellationToken cancellationToken);
}
