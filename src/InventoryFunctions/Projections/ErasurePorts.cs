using InventoryFunctions.Application;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>An erasure job as stored, with the etag it was read with.</summary>
public sealed record StoredErasure(ErasureJob Job, string ETag);

/// <summary>Where erasure jobs (their receipts) live; the same documents tell <see cref="IErasureRegistry"/> which ids are erased.</summary>
public interface IErasureJobStore
{
    /// <summary>Creates the job, or reads the one that exists with its id (the same inventory): <c>Created</c> says which.</summary>
    Task<(StoredErasure Stored, bool Created)> CreateOrReadAsync(ErasureJob job, CancellationToken cancellationToken);

    Task<StoredErasure?> ReadAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Replaces the job if it is still at <paramref name="etag"/>: its new etag, or null when another worker moved it first.</summary>
    Task<string?> TryReplaceAsync(ErasureJob job, string etag, CancellationToken cancellationToken);
}

/// <summary>The containers an inventory has a partition in.</summary>
public enum InventoryContainer
{
    Events,
    Projections,
}

/// <summary>An adding event of another inventory, as a candidate first adder of an item.</summary>
public sealed record AddingEvent(string InventoryId, RecordedEvent Event);

/// <summary>What an erasure does to an inventory's partitions and to the documents of others that name it.</summary>
public interface IInventoryPartitions
{
    /// <summary>Marks the head as erasing (creates a refusing head when there is none): every later append fails.</summary>
    Task<ErasureCounts> MarkHeadErasingAsync(string inventoryId, string jobId, CancellationToken cancellationToken);

    /// <summary>Transfers still debited out of the inventory (its partition) and into it (cross-partition, on the receiver).</summary>
    Task<IReadOnlyList<StoredTransfer>> DebitedTransfersAsync(string inventoryId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every document of the inventory's partition of <paramref name="container"/> (delete-by-partition-key or
    /// batches, as the options say; throttled; backing off on 429) and returns what it spent.
    /// </summary>
    Task<ErasureCounts> DeleteAllAsync(InventoryContainer container, string inventoryId, CancellationToken cancellationToken);

    Task<bool> IsEmptyAsync(InventoryContainer container, string inventoryId, CancellationToken cancellationToken);

    /// <summary>Every other document that names the inventory (transfer legs, receipts, records, rebuild reports) names <paramref name="pseudonym"/> instead.</summary>
    Task<ErasureCounts> PseudonymiseAsync(string inventoryId, string pseudonym, CancellationToken cancellationToken);

    /// <summary>The adding events of <paramref name="itemIds"/> in every inventory but <paramref name="except"/> (one cross-partition query per 100 items).</summary>
    Task<IReadOnlyList<AddingEvent>> AddingEventsAsync(IReadOnlyCollection<string> itemIds, string except, CancellationToken cancellationToken);
}

/// <summary>The global board's side of an erasure: one shard read, and one batch that subtracts and deletes the watermark.</summary>
public interface IGlobalCollectedEraser
{
    /// <summary>As <see cref="IGlobalCollectedStore.ReadShardAsync"/>, unguarded: the erasure must see the erased inventory's watermark.</summary>
    Task<ShardRead> ReadShardAsync(int shard, IReadOnlyCollection<string> inventoryIds, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken);

    /// <summary>
    /// One transactional batch in the shard: deletes <paramref name="erased"/>'s watermark and replaces the counters, each
    /// guarded by the etag it was read with. False when another writer changed one of them (read again).
    /// </summary>
    Task<bool> TryEraseAsync(int shard, Watermark erased, IReadOnlyList<StoredCounts> counts, CancellationToken cancellationToken);
}

/// <summary>The queue erasure jobs run from: one message per job, its id only.</summary>
public interface IErasureQueue
{
    Task SendAsync(string jobId, CancellationToken cancellationToken);
}
