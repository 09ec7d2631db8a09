using InventoryFunctions.Application;

namespace InventoryFunctions.Projections;

/// <summary>
/// A stored view and the concurrency token it was read with. <see cref="View"/> is null when the document exists
/// but cannot be read as a view (corrupted): the projector then rebuilds it from the log.
/// </summary>
public sealed record StoredView(InventoryView? View, string ETag);

/// <summary>Where views live: one point read to get one, one conditional write to change it.</summary>
public interface IProjectionStore
{
    /// <summary>The view, or null when there is none yet.</summary>
    Task<StoredView?> ReadAsync(string inventoryId, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="view"/> if the stored one is still <paramref name="etag"/> (null: none exists); false when another writer got there first.</summary>
    Task<bool> TryWriteAsync(InventoryView view, string? etag, CancellationToken cancellationToken);
}

/// <summary>
/// A document the change feed delivered, as the event codec read it, with the inventory id and the positive version it
/// claims (null when it has none), so that an undecodable one can still be placed in its inventory's sequence.
/// </summary>
public sealed record ChangedDocument(string? InventoryId, long? Version, DecodeResult Result);

/// <summary>What rebuilding every view did: how many were rebuilt, and the inventories that could not be.</summary>
public sealed record RebuildAllResult(int Rebuilt, IReadOnlyList<string> Failed);

/// <summary>A document of the events container that cannot be decoded, reported for a person to look at.</summary>
public sealed record PoisonMessage(string? DocumentId, string? PartitionKey, long? Version, string Reason, DateTimeOffset DetectedAt);

public interface IPoisonQueue
{
    Task SendAsync(PoisonMessage message, CancellationToken cancellationToken);
}
