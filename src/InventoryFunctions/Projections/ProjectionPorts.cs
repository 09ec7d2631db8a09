using InventoryFunctions.Storage;

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

/// <summary>An event document of the log as stored: its numeric version and what the codec made of it.</summary>
public sealed record LoggedDocument(long Version, DecodeResult Result);

/// <summary>Reads a range of an inventory's log as stored, undecodable documents included, so a gap can be filled.</summary>
public interface IEventLogReader
{
    Task<IReadOnlyList<LoggedDocument>> ReadRangeAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken);

    /// <summary>Every inventory that has a log (each has exactly one event at version 1), page by page.</summary>
    IAsyncEnumerable<string> ListInventoryIdsAsync(CancellationToken cancellationToken);
}

/// <summary>A document of the events container that cannot be decoded, reported for a person to look at.</summary>
public sealed record PoisonMessage(string? DocumentId, string? PartitionKey, long? Version, string Reason, DateTimeOffset DetectedAt);

public interface IPoisonQueue
{
    Task SendAsync(PoisonMessage message, CancellationToken cancellationToken);
}
