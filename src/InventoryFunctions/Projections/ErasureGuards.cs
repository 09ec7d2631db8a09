using InventoryFunctions.Application;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// The one rule that keeps an erased inventory's views from coming back, put in front of each view store: a view written
/// from nothing (no root stored: etag null) is first checked against <see cref="IErasureRegistry"/>, and an erased
/// inventory's is not stored. Only creations pay the check (one point read); updates of a stored view pass straight
/// through, and an erasure deletes those roots, so every later write of them is a creation. That covers the change
/// feed's batches already read, redeliveries, rebuilds and poison replays alike, since they all write through here.
/// </summary>
internal static class ErasureGuard
{
    /// <summary>The etag handed back for a view that was not stored: a later write "guarded" by it is not stored either.</summary>
    public const string NotStored = "erased";

    /// <summary>The version an erased inventory's absent watermark reads at: beyond any log, and far from overflowing when a reader adds 1.</summary>
    public const long CountedToTheEnd = long.MaxValue / 2;

    public static async Task<bool> RefusesAsync(IErasureRegistry erasures, string inventoryId, string? etag, ILogger logger, CancellationToken cancellationToken)
    {
        if (etag == NotStored)
            return true;
        if (etag is not null || !await erasures.IsErasedAsync(inventoryId, cancellationToken))
            return false;
        logger.LogInformation("Not creating a view of an erased inventory");
        return true;
    }
}

/// <summary>The rule in front of the one view store: a write that would create a root of an erased inventory stores nothing.</summary>
public sealed class ErasureGuardedViewStore(IViewStore inner, IErasureRegistry erasures, ILogger<ErasureGuardedViewStore> logger) : IViewStore
{
    public Task<IReadOnlyList<Stored<IVersionedView>?>> ReadAsync(string inventoryId, IReadOnlyList<ViewRead> views, CancellationToken cancellationToken) =>
        inner.ReadAsync(inventoryId, views, cancellationToken);

    public Task<IReadOnlyList<IVersionedView>> LoadPartsAsync(IReadOnlyList<(IVersionedView View, IReadOnlyCollection<int> Buckets)> views, CancellationToken cancellationToken) =>
        inner.LoadPartsAsync(views, cancellationToken);

    // "Written": the step moves on, and nothing of the erased inventory is stored. The roots of one write are all
    // stored or all gone (an erasure deletes the whole partition), so the one that would be created decides.
    public async Task<IReadOnlyList<string>?> TryWriteAsync(string inventoryId, IReadOnlyList<ViewWrite> views, CancellationToken cancellationToken)
    {
        var creation = views.Select(v => v.ETag).FirstOrDefault(etag => etag is null or ErasureGuard.NotStored, "stored");
        return creation != "stored" && await ErasureGuard.RefusesAsync(erasures, inventoryId, creation, logger, cancellationToken)
            ? [.. views.Select(_ => ErasureGuard.NotStored)]
            : await inner.TryWriteAsync(inventoryId, views, cancellationToken);
    }
}

/// <summary>
/// The same rule for the global counters: an inventory with no watermark stored that is erased reads as counted to the
/// end (so nothing of it is counted), and that watermark is never written. A commit that would create a watermark checks
/// again just before it; the erasure's board step starts <see cref="ErasureJobs.InFlightGrace"/> after the erasure was
/// accepted, longer than that last check takes to reach the store.
/// </summary>
public sealed class ErasureGuardedGlobalCollectedStore(IGlobalCollectedStore inner, IErasureRegistry erasures) : IGlobalCollectedStore
{
    public async Task<ShardRead> ReadShardAsync(int shard, IReadOnlyCollection<string> inventoryIds, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        var read = await inner.ReadShardAsync(shard, inventoryIds, buckets, cancellationToken);
        Dictionary<string, Watermark>? watermarks = null;
        foreach (var inventoryId in inventoryIds.Where(id => !read.Watermarks.ContainsKey(id)))
        {
            if (await erasures.IsErasedAsync(inventoryId, cancellationToken))
                (watermarks ??= new(read.Watermarks, StringComparer.Ordinal))[inventoryId] = new Watermark(inventoryId, ErasureGuard.CountedToTheEnd, ErasureGuard.NotStored);
        }
        return watermarks is null ? read : read with { Watermarks = watermarks };
    }

    /// <summary>
    /// A watermark to be created is checked again right before the commit: a round that read the shard just before the
    /// erasure was accepted is sent back to read it again (as after a conflict), and then counts nothing of it.
    /// </summary>
    public async Task<bool> TryCommitAsync(int shard, IReadOnlyList<Watermark> watermarks, IReadOnlyList<StoredCounts> counts, CancellationToken cancellationToken)
    {
        foreach (var created in watermarks.Where(w => w.ETag is null))
        {
            if (await erasures.IsErasedAsync(created.InventoryId, cancellationToken))
                return false;
        }
        return await inner.TryCommitAsync(shard, [.. watermarks.Where(w => w.ETag != ErasureGuard.NotStored)], counts, cancellationToken);
    }

    public Task<IReadOnlyList<CollectedCounts>> ReadBucketsAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken) => inner.ReadBucketsAsync(buckets, cancellationToken);

    public Task<StoredBoard> ReadBoardAsync(CancellationToken cancellationToken) => inner.ReadBoardAsync(cancellationToken);

    public Task<bool> TryWriteBoardAsync(CollectedBoard board, string? etag, CancellationToken cancellationToken) => inner.TryWriteBoardAsync(board, etag, cancellationToken);
}
