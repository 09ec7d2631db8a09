using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// Keeps the global most-collected board from the change feed. Inventories are hashed to <see cref="GlobalMostCollected.Shards"/>
/// shards; each shard (one partition) holds its inventories' version watermarks and its counters, split by item into
/// <see cref="GlobalMostCollected.Buckets"/> buckets. Per shard and batch: one query reads the watermarks and the
/// counters the batch touches, one transactional batch writes both, each document guarded by its etag, so a redelivered
/// event (at or below its inventory's watermark) is counted exactly once and two instances never lose an update.
/// Then the board (per bucket, the top items over every shard) is refreshed for the buckets the batch touched: one
/// point read, one cross-partition query, one etag-guarded write, so no document is written per event.
/// One inventory that fails for good (a hole in its log) is counted on its watermark and parked after
/// <see cref="PermanentFailure.MaxDeliveries"/> deliveries, like the per-inventory views: it never stalls the others.
/// </summary>
public sealed class GlobalCollectedProjector(IGlobalCollectedStore store, IEventLogReader log, TimeProvider time, ILogger<GlobalCollectedProjector> logger)
{
    private const int MaxAttempts = 10;

    /// <summary>Bounds a transactional batch (100 operations, 2 MB): at most 40 watermarks + counter documents of at most ~1.5 MB.</summary>
    private const int MaxInventoriesPerCommit = 40;
    private const int MaxCountsBytesPerCommit = 1_500_000;

    public async Task ProjectAsync(IReadOnlyList<ChangedDocument> documents, CancellationToken cancellationToken)
    {
        var touched = new SortedSet<int>();
        var failures = new List<Exception>();
        foreach (var shard in ChangeBatch.Group(documents).GroupBy(b => GlobalMostCollected.ShardOf(b.InventoryId)))
        {
            foreach (var chunk in shard.Chunk(MaxInventoriesPerCommit))
                failures.AddRange(await ProjectShardAsync(shard.Key, chunk, touched, release: false, cancellationToken));
        }
        if (touched.Count > 0)
            await RefreshBoardAsync(touched, cancellationToken);
        // Every other inventory is counted; the batch is retried for the ones that failed and are not parked yet.
        if (failures.Count > 0)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
    }

    /// <summary>
    /// Counts what the inventory's log holds past its watermark, and the versions it passed undecodable that now decode
    /// (repaired in place), and releases a parked watermark: the repair once the cause is fixed (a hole that still
    /// exists throws <see cref="CorruptEventException"/>).
    /// </summary>
    /// <param name="whole">The inventory's whole log, read once by the caller for every view.</param>
    public async Task RebuildAsync(string inventoryId, ChangeBatch whole, CancellationToken cancellationToken)
    {
        var touched = new SortedSet<int>();
        await ProjectShardAsync(GlobalMostCollected.ShardOf(inventoryId), [whole], touched, release: true, cancellationToken);
        if (touched.Count > 0)
            await RefreshBoardAsync(touched, cancellationToken);
    }

    /// <returns>The permanent failures of inventories not parked yet (recorded on their watermarks): the batch is to be retried.</returns>
    private async Task<IReadOnlyList<Exception>> ProjectShardAsync(int shard, IReadOnlyList<ChangeBatch> batches, SortedSet<int> touched, bool release,
        CancellationToken cancellationToken)
    {
        // Every bucket the batch adds to is refreshed on the board, even when a redelivery finds it counted already:
        // the invocation that counted it may have failed before refreshing.
        foreach (var batch in batches)
            touched.UnionWith(batch.Versions.Values.OfType<RecordedEvent>().Where(e => e.Event is ItemAdded).Select(e => GlobalMostCollected.BucketOf(e.Event.ItemId)));

        var ids = batches.Select(b => b.InventoryId).ToList();
        var settled = new HashSet<string>(StringComparer.Ordinal); // failures of this delivery already recorded
        var failures = new List<Exception>();
        for (var attempt = 1; attempt <= MaxAttempts;)
        {
            var read = await store.ReadShardAsync(shard, ids, [.. touched], cancellationToken);
            var counts = read.Counts.ToDictionary(c => c.Key, c => c.Value);
            var watermarks = new List<Watermark>();
            var failedNow = new List<(Watermark Record, Exception Failure)>();
            var changedBuckets = new SortedSet<int>();
            var complete = true;
            foreach (var batch in batches.Where(b => !settled.Contains(b.InventoryId)))
            {
                var watermark = read.Watermarks.GetValueOrDefault(batch.InventoryId) ?? new Watermark(batch.InventoryId, 0, null);
                if (watermark.Parked is not null && !release)
                    continue; // counts nothing until a rebuild releases it
                IReadOnlyList<(long Version, RecordedEvent? Event)> sequence;
                try
                {
                    sequence = await batch.SequenceAfterAsync(watermark.Version, log, logger, cancellationToken);
                }
                catch (Exception ex) when (!release && PermanentFailure.Is(ex))
                {
                    var (failed, parked) = PermanentFailure.Counted(watermark.FailedDeliveries, ex.Message, time.GetUtcNow());
                    var record = watermark with { FailedDeliveries = failed, Parked = parked };
                    watermarks.Add(record);
                    failedNow.Add((record, ex));
                    continue;
                }
                // The repair: versions skipped before whose documents now decode are counted once, and forgotten.
                var skipped = watermark.Skipped;
                foreach (var version in release ? watermark.Skipped : [])
                {
                    if (!batch.Versions.TryGetValue(version, out var repaired) || repaired is null)
                        continue;
                    if (repaired.Event is ItemAdded && !TryCount(repaired))
                        break;
                    skipped = skipped.Remove(version);
                }
                var counted = watermark.Version;
                foreach (var (version, recorded) in sequence)
                {
                    if (recorded?.Event is ItemAdded && !TryCount(recorded))
                        break;
                    if (recorded is null)
                        skipped = (skipped.Count < Watermark.MaxSkippedListed ? skipped : skipped.RemoveAt(0)).Add(version);
                    counted = version;
                }
                if (counted > watermark.Version || watermark.FailedDeliveries > 0 || watermark.Parked is not null || skipped != watermark.Skipped)
                    watermarks.Add(watermark with { Version = counted, FailedDeliveries = 0, Parked = null, Skipped = skipped });

                bool TryCount(RecordedEvent recorded)
                {
                    var bucket = GlobalMostCollected.BucketOf(recorded.Event.ItemId);
                    touched.Add(bucket);
                    if (!counts.TryGetValue(bucket, out var stored)
                        || (!changedBuckets.Contains(bucket) && changedBuckets.Sum(b => counts[b].Counts.EstimatedBytes) + stored.Counts.EstimatedBytes > MaxCountsBytesPerCommit))
                    {
                        complete = false; // a bucket not read yet (a gap filled from the log), or this commit is full: next round
                        return false;
                    }
                    counts[bucket] = stored with { Counts = stored.Counts.Add(batch.InventoryId, recorded) };
                    changedBuckets.Add(bucket);
                    return true;
                }
            }

            if (watermarks.Count == 0 && complete)
                return failures; // counted before: a redelivery writes nothing
            if (watermarks.Count > 0)
            {
                if (!await store.TryCommitAsync(shard, watermarks, [.. changedBuckets.Select(b => counts[b])], cancellationToken))
                {
                    attempt++;
                    logger.LogDebug("Shard {Shard} changed while counting (attempt {Attempt}); reading it again", shard, attempt);
                    continue;
                }
                foreach (var (record, failure) in failedNow)
                {
                    settled.Add(record.InventoryId);
                    if (record.Parked is not null)
                    {
                        logger.LogError("Parked the global most-collected counting of {InventoryId} at version {Version}: {Reason}. Rebuild it once the cause is repaired",
                            record.InventoryId, record.Version, failure.Message);
                        continue;
                    }
                    logger.LogWarning(failure, "Counting {InventoryId} for the global most-collected failed ({Failures} of {Max} deliveries before it is parked); the batch will be retried",
                        record.InventoryId, record.FailedDeliveries, PermanentFailure.MaxDeliveries);
                    failures.Add(failure);
                }
            }
            if (complete)
                return failures;
        }
        throw new ContentionException($"Shard {shard} of the global counters kept changing under the projector; the batch will be retried.");
    }

    /// <summary>
    /// The board is read before the counters and written only if unchanged since, so whichever refresh writes last
    /// read every counter committed before the previous write: once the feed is drained the board is exact.
    /// </summary>
    private async Task RefreshBoardAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var stored = await store.ReadBoardAsync(cancellationToken);
            var counts = await store.ReadBucketsAsync(buckets, cancellationToken);
            var board = stored.Board;
            foreach (var bucket in buckets)
                board = board.With(bucket, GlobalMostCollected.Top(GlobalMostCollected.Merge(counts.Where(c => c.Bucket == bucket)), GlobalMostCollected.MaxTop));
            if (await store.TryWriteBoardAsync(board, stored.ETag, cancellationToken))
                return;
        }
        throw new ContentionException("The global most-collected board kept changing under the projector; the batch will be retried.");
    }
}
