using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// Taking an erased inventory off the global counters, as the erasure's batch does per bucket of its shard, against
/// Python's <c>Counter.most_common</c> over the remaining logs (the tie rule included) on random logs with ties.
/// </summary>
public sealed class CollectedErasureTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_board_after_an_erasure_equals_most_common_over_the_remaining_logs_and_never_names_the_erased_inventory()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var log = RandomLog(random);
            var erased = log[random.Next(log.Count)].InventoryId;

            var shards = Count(log);
            var shard = GlobalMostCollected.ShardOf(erased);
            var totals = log.Where(e => e.InventoryId == erased && e.Event.Event is ItemAdded)
                .GroupBy(e => e.Event.Event.ItemId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(e => (long)e.Event.Event.Quantity), StringComparer.Ordinal);
            var others = log.Where(e => e.InventoryId != erased && e.Event.Event is ItemAdded).Select(e => new AddingEvent(e.InventoryId, e.Event)).ToList();
            // Every other inventory counted to its end.
            var watermarks = log.GroupBy(e => e.InventoryId).ToDictionary(g => g.Key, g => new Watermark(g.Key, g.Max(e => e.Event.Version), "etag"), StringComparer.Ordinal);
            var mine = shards.TryGetValue(shard, out var counted) ? counted : [];
            foreach (var bucket in mine.Keys.ToList())
            {
                var (after, orphaned) = CollectedErasure.Subtract(mine[bucket], erased, totals);
                var firsts = CollectedErasure.FirstAdders(others.Where(o => GlobalMostCollected.ShardOf(o.InventoryId) == shard), watermarks);
                Assert.All(orphaned, item => Assert.True(firsts.ContainsKey(item)));
                mine[bucket] = CollectedErasure.WithFirsts(after, firsts.Where(f => orphaned.Contains(f.Key)).ToDictionary());
            }

            var board = GlobalMostCollected.Top(Enumerable.Range(0, GlobalMostCollected.Buckets)
                .SelectMany(b => GlobalMostCollected.Merge(shards.Values.Where(s => s.ContainsKey(b)).Select(s => s[b]))), 100);
            Assert.Equal(CollectedOracle.MostCommon(log.Where(e => e.InventoryId != erased), 100), [.. board.Select(t => (t.ItemId, t.Collected))]);
            Assert.DoesNotContain(shards.Values.SelectMany(s => s.Values).SelectMany(c => c.Items.Values), t => t.First.InventoryId == erased);
        }
    }

    [Fact]
    public void An_item_only_the_erased_inventory_added_is_removed_and_one_others_added_keeps_their_total()
    {
        var counts = CollectedCounts.Empty(0, 0)
            .Add("gone", new RecordedEvent(1, T0, new ItemAdded("mine", 3)))
            .Add("gone", new RecordedEvent(2, T0, new ItemAdded("shared", 2)))
            .Add("kept", new RecordedEvent(1, T0.AddSeconds(1), new ItemAdded("shared", 5)));

        var (after, orphaned) = CollectedErasure.Subtract(counts, "gone", new Dictionary<string, long> { ["mine"] = 3, ["shared"] = 2 });

        Assert.False(after.Items.ContainsKey("mine"));
        Assert.Equal(5, after.Items["shared"].Collected);
        Assert.Equal(["shared"], orphaned);
    }

    [Fact]
    public void An_adding_event_past_its_inventorys_watermark_or_skipped_is_no_first_adder()
    {
        var candidates = new[]
        {
            new AddingEvent("a", new RecordedEvent(5, T0, new ItemAdded("x", 1))),
            new AddingEvent("b", new RecordedEvent(2, T0.AddSeconds(1), new ItemAdded("x", 1))),
            new AddingEvent("c", new RecordedEvent(1, T0.AddSeconds(2), new ItemAdded("x", 1))),
        };
        var watermarks = new Dictionary<string, Watermark>
        {
            ["a"] = new("a", 4, "e"),
            ["b"] = new("b", 9, "e") { Skipped = [2] },
            ["c"] = new("c", 1, "e"),
        };

        Assert.Equal(new FirstAdded(T0.AddSeconds(2), "c", 1), CollectedErasure.FirstAdders(candidates, watermarks)["x"]);
    }

    /// <summary>Counters per shard and bucket, as the projector builds them from every adding event.</summary>
    private static Dictionary<int, Dictionary<int, CollectedCounts>> Count(IEnumerable<(string InventoryId, RecordedEvent Event)> log)
    {
        var shards = new Dictionary<int, Dictionary<int, CollectedCounts>>();
        foreach (var (inventoryId, recorded) in log.Where(e => e.Event.Event is ItemAdded))
        {
            var (shard, bucket) = (GlobalMostCollected.ShardOf(inventoryId), GlobalMostCollected.BucketOf(recorded.Event.ItemId));
            var buckets = shards.TryGetValue(shard, out var b) ? b : shards[shard] = [];
            buckets[bucket] = (buckets.TryGetValue(bucket, out var c) ? c : CollectedCounts.Empty(shard, bucket)).Add(inventoryId, recorded);
        }
        return shards;
    }

    private static List<(string InventoryId, RecordedEvent Event)> RandomLog(Random random)
    {
        string[] items = ["sword", "shield", "bow", "axe", "cap"];
        var log = new List<(string, RecordedEvent)>();
        for (var i = 0; i < random.Next(2, 12); i++)
        {
            var inventoryId = $"inv-{i}";
            for (var version = 1; version <= random.Next(1, 6); version++)
            {
                // Few distinct instants, so ties on the instant (the inventory id, then the version decides) are common.
                var at = T0.AddSeconds(random.Next(4));
                InventoryEvent e = random.Next(5) == 0 ? new ItemRemoved(items[random.Next(items.Length)], 1) : new ItemAdded(items[random.Next(items.Length)], random.Next(1, 4));
                log.Add((inventoryId, new RecordedEvent(version, at, e)));
            }
        }
        return log;
    }
}
