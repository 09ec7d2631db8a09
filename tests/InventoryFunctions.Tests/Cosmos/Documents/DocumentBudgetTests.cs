using System.Collections.Immutable;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using Xunit.Abstractions;

namespace InventoryFunctions.Tests.Cosmos.Documents;

/// <summary>
/// Every document the app writes stays under 1 MB in the worst case the limits allow (Cosmos DB refuses items over
/// 2 MB): the most distinct items held, the most totals tracked and skipped versions listed, the longest ids made of
/// characters the JSON writer escapes to <c>\uXXXX</c> (6 bytes each), and the largest counts. Also prints the head's
/// size at several numbers of items held (what a snapshot or a cold read costs; an append only patches it).
/// </summary>
public sealed class DocumentBudgetTests(ITestOutputHelper output)
{
    private const int OneMegabyte = 1024 * 1024;
    private const string InventoryId = "inventory-id-of-the-longest-allowed-length-64-characters-abcdefg";
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An item id of <see cref="InventoryRules.MaxItemIdLength"/> letters the JSON writer escapes, unique per <paramref name="n"/>.</summary>
    private static string WorstItemId(int n)
    {
        var suffix = n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture).Select(d => (char)('à' + d - '0'));
        var id = new string([.. Enumerable.Repeat('é', InventoryRules.MaxItemIdLength - 6), .. suffix]);
        Assert.Null(InventoryRules.ValidateItemId(id));
        return id;
    }

    private static ImmutableSortedDictionary<string, int> HeldItems(int count, Func<int, string> itemId) =>
        Enumerable.Range(0, count).ToImmutableSortedDictionary(itemId, _ => int.MaxValue, StringComparer.Ordinal);

    [Fact]
    public void The_head_and_a_snapshot_stay_under_1_MB_with_the_most_distinct_items_held()
    {
        var state = new InventoryState(long.MaxValue / 2, HeldItems(InventoryRules.MaxDistinctItemsHeld, WorstItemId));

        var head = HeadDocument.Encode(InventoryId, state, At, "generation").Length;
        var shards = Enumerable.Range(0, HeadDocument.ItemShards).Select(s => HeadShardDocument.Encode(InventoryId, s, "generation", state).Length).ToList();
        var snapshot = SnapshotDocument.Encode(InventoryId, state, At).Length;

        output.WriteLine($"worst head {head:N0} bytes, its largest item shard {shards.Max():N0} bytes (all {shards.Sum():N0}), worst snapshot {snapshot:N0} bytes");
        Assert.InRange(head, 0, 1024);
        // Ids chosen to land in one shard would put every item there: that shard would be about a snapshot's size.
        Assert.InRange(shards.Sum(), 0, snapshot + HeadDocument.ItemShards * 256);
        Assert.InRange(snapshot, 0, OneMegabyte);
    }

    [Fact]
    public void The_view_stays_under_1_MB_with_the_most_items_held_old_totals_carried_and_versions_skipped()
    {
        var items = HeldItems(InventoryRules.MaxDistinctItemsHeld, WorstItemId);
        // The largest list an older view carried (250 totals), kept as stored.
        var collected = Enumerable.Range(0, 250)
            .Select(i => new CollectedItem(WorstItemId(InventoryRules.MaxDistinctItemsHeld + i), long.MaxValue, long.MaxValue - 1));
        var skipped = Enumerable.Range(0, InventoryView.MaxSkippedVersionsListed).Select(i => long.MaxValue - i);
        var view = new InventoryView(InventoryId, long.MaxValue, items, [.. skipped], At) { LegacyCollected = [.. collected] };

        var bytes = InventoryViewDocument.Encode(view).Length;

        output.WriteLine($"worst view {bytes:N0} bytes");
        Assert.InRange(bytes, 0, OneMegabyte);
    }

    [Fact]
    public void An_idempotency_record_of_the_largest_batch_stays_small()
    {
        var events = Enumerable.Range(1, InventoryRules.MaxEventsPerAppend)
            .Select(i => new RecordedEvent(long.MaxValue / 2 + i, At, new ItemAdded(WorstItemId(i), InventoryRules.MaxQuantity))).ToList();
        var record = new IdempotencyRecord(new string('k', 100), new string('h', 64), events[^1].Version, events);

        var bytes = IdempotencyDocument.Encode(InventoryId, record, At).Length;

        output.WriteLine($"worst idempotency record {bytes:N0} bytes");
        Assert.InRange(bytes, 0, 64 * 1024);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(InventoryRules.MaxDistinctItemsHeld)]
    public void The_head_whole_grows_with_the_items_held_its_patch_does_not(int held)
    {
        // A typical id (12 ASCII characters) and the worst one. An append of one event to an inline head (written before
        // heads were sharded) sends the event and a patch of the head; the head whole is what a snapshot (every
        // SnapshotInterval events) and a cold instance's read cost.
        foreach (var (kind, itemId) in new (string, Func<int, string>)[] { ("typical", i => $"item-{i:D7}"), ("worst", WorstItemId) })
        {
            var state = new InventoryState(1_000_000, HeldItems(held, itemId));
            // Counts are the largest a count can be, so the event measured takes one unit out.
            var removed = new RecordedEvent(1_000_001, At, new ItemRemoved(itemId(0), 1));
            var e = EventCodec.Encode(InventoryId, removed).Length;
            var head = SnapshotDocument.Encode(InventoryId, state, At).Length;
            var patch = HeadDocument.Changes(state, At, Inventory.Evolve(state, removed.Event), At.AddSeconds(1), [itemId(0)])!;
            output.WriteLine($"{held,5} items held, {kind,7} ids: event {e:N0} bytes, head whole {head:N0} bytes, patch {patch.Count} operations");
            Assert.True(head > held * 10, "the head lists every item held");
            Assert.Equal(3, patch.Count); // version, latest instant, the one count
        }
    }
}
