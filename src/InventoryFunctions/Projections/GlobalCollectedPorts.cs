namespace InventoryFunctions.Projections;

/// <summary>
/// An inventory's watermark in its shard: the last version counted (etag null: none stored yet), and the projector's
/// failure record for that inventory (<see cref="PermanentFailure"/>): a parked watermark counts nothing more until a
/// rebuild of the inventory releases it.
/// </summary>
public sealed record Watermark(string InventoryId, long Version, string? ETag)
{
    /// <summary>How many undecodable versions a watermark remembers (the latest); the poison queue has every one.</summary>
    public const int MaxSkippedListed = 100;

    /// <summary>
    /// Versions at or below <see cref="Version"/> passed without counting because their documents could not be decoded.
    /// A rebuild or poison replay counts one once its document decodes (repaired in place) and removes it here in the
    /// same commit as the count, so a repaired unit is counted exactly once however often the repair runs.
    /// </summary>
    public System.Collections.Immutable.ImmutableList<long> Skipped { get; init; } = [];

    public Parking? Parked { get; init; }

    public int FailedDeliveries { get; init; }
}

/// <summary>A bucket's counters in a shard, with the etag they were read with (null: none stored yet).</summary>
public sealed record StoredCounts(CollectedCounts Counts, string? ETag);

/// <summary>What one shard holds for a change-feed batch: the watermarks of its inventories and the counters of the buckets asked for.</summary>
public sealed record ShardRead(IReadOnlyDictionary<string, Watermark> Watermarks, IReadOnlyDictionary<int, StoredCounts> Counts);

/// <summary>The board and its etag (null: none stored yet).</summary>
public sealed record StoredBoard(CollectedBoard Board, string? ETag);

/// <summary>Where the global counters live: shards of counters + watermarks (one partition each) and the merged board.</summary>
public interface IGlobalCollectedStore
{
    /// <summary>One query in the shard's partition: the watermarks of <paramref name="inventoryIds"/> and the counters of <paramref name="buckets"/>.</summary>
    Task<ShardRead> ReadShardAsync(int shard, IReadOnlyCollection<string> inventoryIds, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken);

    /// <summary>
    /// One transactional batch in the shard's partition: every watermark and every counter document, each guarded by
    /// the etag it was read with (or created when it had none). False when another writer changed one of them.
    /// </summary>
    Task<bool> TryCommitAsync(int shard, IReadOnlyList<Watermark> watermarks, IReadOnlyList<StoredCounts> counts, CancellationToken cancellationToken);

    /// <summary>The counters of <paramref name="buckets"/> in every shard (one cross-partition query).</summary>
    Task<IReadOnlyList<CollectedCounts>> ReadBucketsAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken);

    Task<StoredBoard> ReadBoardAsync(CancellationToken cancellationToken);

    Task<bool> TryWriteBoardAsync(CollectedBoard board, string? etag, CancellationToken cancellationToken);
}
