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
/// </summary>
public sealed class GlobalCollectedProjector(IGlobalCollectedStore store, IEventLogReader log, ILogger<GlobalCollectedProjector> logger)
{
    private const int MaxAttempts = 10;

    /// <summary>Bounds a transactional batch (100 operations, 2 MB): at most 40 watermarks + counter documents of at most ~1.5 MB.</summary>
    private const int MaxInventoriesPerCommit = 40;
    private const int MaxCountsBytesPerCommit = 1_500_000;

    public async Task ProjectAsync(IReadOnlyList<ChangedDocument> documents, CancellationToken cancellationToken)
    {
        var touched = new SortedSet<int>();
        foreach (var shard in ChangeBatch.Group(documents).GroupBy(b => GlobalMostCollected.ShardOf(b.InventoryId)))
        {
            foreach (var chunk in shard.Chunk(MaxInventoriesPerCommit))
                await ProjectShardAsync(shard.Key, chunk, touched, cancellationToken);
        }
        if (touched.Count > 0)
            await RefreshBoardAsync(touched, cancellationToken);
    }

    private async Task ProjectShardAsync(int shard, IReadOnlyList<ChangeBatch> batches, SortedSet<int> touched, CancellationToken cancellationToken)
    {
        // Every bucket the batch adds to is refreshed on the board, even when a redelivery finds it counted already:
        // the invocation that counted it may have failed before refreshing.
        foreach (var batch in batches)
            touched.UnionWith(batch.Versions.Values.OfType<RecordedEvent>().Where(e => e.Event is ItemAdded).Select(e => GlobalMostCollected.BucketOf(e.Event.ItemId)));

        var ids = batches.Select(b => b.InventoryId).ToList();
        for (var attempt = 1; attempt <= MaxAttempts;)
        {
            var read = await store.ReadShardAsync(shard, ids, [.. touched], cancellationToken);
            var counts = read.Counts.ToDictionary(c => c.Key, c => c.Value);
            var watermarks = new List<Watermark>();
            var changedBuckets = new SortedSet<int>();
            var complete = true;
            foreach (var batch in batches)
            {
                var watermark = read.Watermarks.GetValueOrDefault(batch.InventoryId) ?? new Watermark(batch.InventoryId, 0, null);
                var counted = watermark.Version;
                foreach (var (version, recorded) in await batch.SequenceAfterAsync(watermark.Version, log, logger, cancellationToken))
                {
                    if (recorded?.Event is ItemAdded)
                    {
                        var bucket = GlobalMostCollected.BucketOf(recorded.Event.ItemId);
                        touched.Add(bucket);
                        if (!counts.TryGetValue(bucket, out var stored)
                            || (!changedBuckets.Contains(bucket) && changedBuckets.Sum(b => counts[b].Counts.EstimatedBytes) + stored.Counts.EstimatedBytes > MaxCountsBytesPerCommit))
                        {
                            complete = false; // a bucket not read yet (a gap filled from the log), or this commit is full: next round
                            break;
                        }
                        counts[bucket] = stored with { Counts = stored.Counts.Add(batch.InventoryId, recorded) };
                        changedBuckets.Add(bucket);
                    }
                    counted = version;
                }
                if (counted > watermark.Version)
                    watermarks.Add(watermark with { Version = counted });
            }

            if (watermarks.Count == 0 && complete)
                return; // counted before: a redelivery writes nothing
            if (watermarks.Count > 0)
            {
                if (!await store.TryCommitAsync(shard, watermarks, [.. changedBuckets.Select(b => counts[b])], cancellationToken))
                {
                    attempt++;
                    logger.LogDebug("Shard {Shard} changed while counting (attempt {Attempt}); reading it again", shard, attempt);
                    continue;
                }
            }
            if (complete)
                return;
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
