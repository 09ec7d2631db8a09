using System.Collections.Immutable;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>The pure part of taking an inventory off the global counters.</summary>
public static class CollectedErasure
{
    /// <summary>
    /// <paramref name="counts"/> without <paramref name="totals"/> (what the erased inventory added, as counted), items
    /// left at 0 removed. <c>Orphaned</c>: the items still held by others whose first adder was the erased inventory;
    /// their first adder must be found among the others (<see cref="WithFirsts"/>).
    /// </summary>
    public static (CollectedCounts Counts, IReadOnlyList<string> Orphaned) Subtract(CollectedCounts counts, string erased, IReadOnlyDictionary<string, long> totals)
    {
        var items = counts.Items;
        var orphaned = new List<string>();
        foreach (var (itemId, total) in counts.Items)
        {
            var left = total.Collected - totals.GetValueOrDefault(itemId);
            if (left <= 0)
                items = items.Remove(itemId);
            else if (left != total.Collected || total.First.InventoryId == erased)
            {
                items = items.SetItem(itemId, total with { Collected = left });
                if (total.First.InventoryId == erased)
                    orphaned.Add(itemId);
            }
        }
        return (counts with { Items = items }, orphaned);
    }

    /// <summary>The orphaned items with their new first adders (the least of the others' counted adding events).</summary>
    public static CollectedCounts WithFirsts(CollectedCounts counts, IReadOnlyDictionary<string, FirstAdded> firsts)
    {
        var items = counts.Items;
        foreach (var (itemId, first) in firsts)
        {
            if (items.TryGetValue(itemId, out var total))
                items = items.SetItem(itemId, total with { First = first });
        }
        return counts with { Items = items };
    }

    /// <summary>The least first-added among <paramref name="candidates"/> per item, counting only what each inventory's watermark covers.</summary>
    public static IReadOnlyDictionary<string, FirstAdded> FirstAdders(IEnumerable<AddingEvent> candidates, IReadOnlyDictionary<string, Watermark> watermarks)
    {
        var firsts = new Dictionary<string, FirstAdded>(StringComparer.Ordinal);
        foreach (var (inventoryId, recorded) in candidates)
        {
            if (!watermarks.TryGetValue(inventoryId, out var watermark) || recorded.Version > watermark.Version || watermark.Skipped.Contains(recorded.Version))
                continue; // not counted (yet): the projector compares it when it counts it
            var first = new FirstAdded(recorded.OccurredAt, inventoryId, recorded.Version);
            firsts[recorded.Event.ItemId] = firsts.TryGetValue(recorded.Event.ItemId, out var seen) ? FirstAdded.Earlier(seen, first) : first;
        }
        return firsts;
    }
}

/// <summary>
/// Takes an erased inventory's contribution off the global board exactly once. Its watermark and the counters it added
/// to share its shard's partition, so one transactional batch subtracts what the watermark says was counted and deletes
/// the watermark, each guarded by its etag: a projector counting meanwhile makes the batch fail and the erasure read
/// again, and a missing watermark means there is nothing (more) to take off. Items the erased inventory added first get
/// the next first adder of the shard: one cross-partition query of the events container for those items' adding events.
/// </summary>
public sealed class GlobalCollectedErasure(IGlobalCollectedEraser store, IInventoryPartitions partitions, IEventLogReader log, GlobalCollectedProjector board,
    ILogger<GlobalCollectedErasure> logger)
{
    private const int MaxAttempts = 10;

    /// <summary>Reads the inventory's log (before it is deleted) and subtracts it; true when something was taken off.</summary>
    public async Task<bool> SubtractAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var whole = await ChangeBatch.FromLogAsync(inventoryId, log, cancellationToken);
        var added = whole.Versions.Values.OfType<RecordedEvent>().Where(e => e.Event is ItemAdded).ToList();
        var shard = GlobalMostCollected.ShardOf(inventoryId);
        var buckets = added.Select(e => GlobalMostCollected.BucketOf(e.Event.ItemId)).Distinct().Order().ToList();
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var read = await store.ReadShardAsync(shard, [inventoryId], buckets, cancellationToken);
            if (!read.Watermarks.TryGetValue(inventoryId, out var watermark))
                return false;
            var totals = added.Where(e => e.Version <= watermark.Version && !watermark.Skipped.Contains(e.Version))
                .GroupBy(e => e.Event.ItemId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(e => (long)e.Event.Quantity), StringComparer.Ordinal);
            var changed = new List<StoredCounts>();
            var orphaned = new Dictionary<int, IReadOnlyList<string>>();
            foreach (var (bucket, stored) in read.Counts.Where(c => c.Value.ETag is not null))
            {
                var (after, orphans) = CollectedErasure.Subtract(stored.Counts, inventoryId, totals);
                changed.Add(stored with { Counts = after });
                if (orphans.Count > 0)
                    orphaned[bucket] = orphans;
            }
            if (orphaned.Count > 0)
            {
                var candidates = (await partitions.AddingEventsAsync([.. orphaned.Values.SelectMany(o => o)], inventoryId, cancellationToken))
                    .Where(c => GlobalMostCollected.ShardOf(c.InventoryId) == shard).ToList();
                var others = candidates.Count == 0 ? new Dictionary<string, Watermark>()
                    : (await store.ReadShardAsync(shard, [.. candidates.Select(c => c.InventoryId).Distinct(StringComparer.Ordinal)], [], cancellationToken)).Watermarks;
                var firsts = CollectedErasure.FirstAdders(candidates, others);
                var missing = orphaned.Values.SelectMany(o => o).Where(item => !firsts.ContainsKey(item)).ToList();
                if (missing.Count > 0)
                    throw new InvalidOperationException($"No counted adding event of {string.Join(", ", missing.Take(5))} outside the erased inventory; the erasure will be retried.");
                for (var i = 0; i < changed.Count; i++)
                {
                    if (orphaned.ContainsKey(changed[i].Counts.Bucket))
                        changed[i] = changed[i] with { Counts = CollectedErasure.WithFirsts(changed[i].Counts, firsts) };
                }
            }
            if (await store.TryEraseAsync(shard, watermark, changed, cancellationToken))
            {
                logger.LogInformation("Took an erased inventory off shard {Shard} of the global counters ({Items} items)", shard, totals.Count);
                if (buckets.Count > 0)
                    await board.RefreshBoardAsync(buckets, cancellationToken);
                return true;
            }
        }
        throw new ContentionException($"Shard {shard} of the global counters kept changing during an erasure; it will be retried.");
    }
}
