using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InventoryFunctions.Domain;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Projections;

public class InventoryViewTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static RecordedEvent Added(long version, string itemId, int quantity = 1) => new(version, At.AddSeconds(version), new ItemAdded(itemId, quantity));

    private static RecordedEvent Removed(long version, string itemId, int quantity = 1) => new(version, At.AddSeconds(version), new ItemRemoved(itemId, quantity));

    /// <summary>The inventory view and the collected view of the same events, as the one change feed keeps them.</summary>
    private sealed record Views(InventoryView View, CollectedView Collected)
    {
        public long Version => View.Version;

        public ImmutableSortedDictionary<string, int> Items => View.Items;

        public DateTimeOffset UpdatedAt => View.UpdatedAt;

        public ImmutableList<long> SkippedVersions => View.SkippedVersions;

        public IReadOnlyList<CollectedItem> MostCollected(int top) => Collected.MostCollected(top);

        public Views Skip(long version, DateTimeOffset now) => new(View.Skip(version, now), Collected.Skip(version));

        public Views Apply(RecordedEvent e) => new(View.Apply(e), Collected.WithEmptyParts(CollectedView.PartsFor(e).Where(b => !Collected.IsLoaded(b))).Apply(e));
    }

    private static Views Fold(params RecordedEvent[] events) =>
        events.Aggregate(new Views(InventoryView.Empty("inv-1"), CollectedView.Empty("inv-1")), (views, e) => views.Apply(e));

    private static List<(string ItemId, long Collected)> Ranking(Views view, int top) =>
        [.. view.MostCollected(top).Select(c => (c.ItemId, c.Collected))];

    // ---- Exact totals at any history ------------------------------------------------------------------------

    [Fact]
    public void Totals_stay_exact_over_a_lifetime_of_many_more_distinct_items_than_the_top_list_holds()
    {
        // 20,000 adds over 5,000 distinct ids, a few of them frequent (a skewed, repeatable stream).
        var random = new Random(12);
        var log = new List<RecordedEvent>();
        for (var version = 1; version <= 20_000; version++)
            log.Add(Added(version, random.Next(4) == 0 ? $"hot{random.Next(20)}" : $"item{random.Next(5_000)}", random.Next(1, 4)));

        var view = Fold([.. log]);

        Assert.Equal(MostCommon(log, CollectedView.MaxTop), Ranking(view, CollectedView.MaxTop));
        Assert.All(view.MostCollected(CollectedView.MaxTop), c => Assert.Equal(0, c.Overcount));
    }

    [Fact]
    public void Every_item_collected_once_ranks_in_first_added_order_however_many_there_were()
    {
        var log = Enumerable.Range(1, 3_000).Select(i => Added(i, $"id-{i}")).ToList();

        Assert.Equal([("id-1", 1L), ("id-2", 1L), ("id-3", 1L)], Ranking(Fold([.. log]), 3));
    }

    // ---- Apply -----------------------------------------------------------------------------------------------

    [Fact]
    public void An_empty_view_is_at_version_zero_with_nothing_held_or_collected()
    {
        var view = Fold();

        Assert.Equal(0, view.Version);
        Assert.Empty(view.Items);
        Assert.Empty(view.MostCollected(3));
    }

    [Fact]
    public void Applying_events_in_order_counts_what_is_held_and_moves_the_version()
    {
        var view = Fold(Added(1, "sword", 2), Added(2, "shield"), Removed(3, "sword"));

        Assert.Equal(3, view.Version);
        Assert.Equal(new Dictionary<string, int> { ["shield"] = 1, ["sword"] = 1 }, view.Items);
        Assert.Equal(At.AddSeconds(3), view.UpdatedAt);
    }

    [Fact]
    public void An_item_removed_down_to_zero_is_no_longer_held_but_stays_collected()
    {
        var view = Fold(Added(1, "sword", 2), Removed(2, "sword", 2));

        Assert.Empty(view.Items);
        Assert.Equal([("sword", 2L)], Ranking(view, 3));
    }

    [Fact]
    public void A_removal_of_more_than_held_from_a_legacy_log_leaves_nothing_rather_than_a_negative_count()
    {
        var view = Fold(Added(1, "sword"), Removed(2, "sword", 5), Removed(3, "shield"));

        Assert.Empty(view.Items);
        Assert.Equal(3, view.Version);
    }

    [Fact]
    public void Applying_an_event_at_or_below_the_version_changes_nothing()
    {
        var view = Fold(Added(1, "sword"), Added(2, "sword"));

        Assert.Same(view.View, view.View.Apply(Added(2, "sword")));
        Assert.Same(view.View, view.View.Apply(Added(1, "shield", 7)));
        Assert.Same(view.Collected, view.Collected.Apply(Added(2, "sword")));
        Assert.Same(view.Collected, view.Collected.Apply(Added(1, "shield", 7)));
    }

    [Fact]
    public void Applying_an_event_past_the_next_version_is_refused()
    {
        var view = Fold(Added(1, "sword"));

        Assert.Throws<ArgumentException>(() => view.Apply(Added(3, "sword")));
    }

    [Fact]
    public void Skip_moves_past_an_undecodable_version_without_changing_any_count()
    {
        var view = Fold(Added(1, "sword")).Skip(2, At.AddMinutes(1));

        Assert.Equal(2, view.Version);
        Assert.Equal([2L], view.SkippedVersions);
        Assert.Equal(new Dictionary<string, int> { ["sword"] = 1 }, view.Items);
        Assert.Equal(At.AddMinutes(1), view.UpdatedAt);
        Assert.Equal(3, view.Apply(Added(3, "shield")).Version);
    }

    [Fact]
    public void Skip_of_anything_but_the_next_version_is_refused()
    {
        var view = Fold(Added(1, "sword"));

        Assert.Throws<ArgumentException>(() => view.Skip(1, At));
        Assert.Throws<ArgumentException>(() => view.Skip(3, At));
    }

    [Fact]
    public void UpdatedAt_never_goes_back_when_an_event_carries_an_earlier_time()
    {
        var view = Fold(Added(1, "sword")).Apply(new RecordedEvent(2, At.AddDays(-1), new ItemAdded("shield", 1)));

        Assert.Equal(At.AddSeconds(1), view.UpdatedAt);
    }

    // ---- Most collected -----------------------------------------------------------------------------------

    [Fact]
    public void Most_collected_ranks_by_total_ever_added_and_removals_do_not_lower_it()
    {
        var view = Fold(Added(1, "potion", 3), Added(2, "sword", 5), Removed(3, "sword", 5), Added(4, "shield", 4));

        Assert.Equal([("sword", 5L), ("shield", 4L), ("potion", 3L)], Ranking(view, 3));
    }

    [Fact]
    public void Ties_go_to_the_item_first_added_earlier_whatever_was_added_last()
    {
        // The tutorial's log: Counter(['sword', 'shield', 'potion', 'shield', 'sword']).most_common(3)
        // == [('sword', 2), ('shield', 2), ('potion', 1)]
        var view = Fold(Added(1, "sword"), Added(2, "shield"), Added(3, "potion"), Added(4, "shield"), Added(5, "sword"));

        Assert.Equal([("sword", 2L), ("shield", 2L), ("potion", 1L)], Ranking(view, 3));
    }

    [Fact]
    public void Most_collected_takes_only_the_top_asked_for()
    {
        var view = Fold(Added(1, "a", 1), Added(2, "b", 2), Added(3, "c", 3));

        Assert.Equal([("c", 3L)], Ranking(view, 1));
        Assert.Equal(3, view.MostCollected(100).Count);
    }

    [Fact]
    public void Item_ids_differing_only_in_case_are_different_items()
    {
        var view = Fold(Added(1, "sword"), Added(2, "Sword", 2));

        Assert.Equal(new Dictionary<string, int> { ["Sword"] = 2, ["sword"] = 1 }, view.Items);
        Assert.Equal([("Sword", 2L), ("sword", 1L)], Ranking(view, 3));
    }

    // ---- Properties against reference models -----------------------------------------------------------------

    // Few ids so that ties and repeats are common; "Sword" checks that ids are case-sensitive.
    private static readonly Gen<InventoryEvent> Events =
        from itemId in Gen.Elements("sword", "shield", "potion", "Sword", "bow")
        from quantity in Gen.Frequency((10, Gen.Choose(1, 3)), (1, Gen.Choose(1, InventoryRules.MaxQuantity)))
        from added in Gen.Frequency((3, Gen.Constant(true)), (2, Gen.Constant(false)))
        select added ? new ItemAdded(itemId, quantity) : (InventoryEvent)new ItemRemoved(itemId, quantity);

    private static readonly Arbitrary<InventoryEvent[]> Logs = Arb.From(Gen.ArrayOf(Events));

    private static RecordedEvent[] Record(IEnumerable<InventoryEvent> events) =>
        [.. events.Select((e, i) => new RecordedEvent(i + 1, At.AddSeconds(i), e))];

    /// <summary>
    /// Python's <c>Counter(added_items_in_log_order).most_common(n)</c>: counts in insertion order, then the n largest,
    /// equal counts keeping insertion order (<c>most_common</c> is documented as a stable sort, descending).
    /// </summary>
    private static List<(string ItemId, long Collected)> MostCommon(IEnumerable<RecordedEvent> log, int n)
    {
        var counter = new List<(string ItemId, long Count)>();
        foreach (var e in log)
        {
            if (e.Event is not ItemAdded added)
                continue;
            var index = counter.FindIndex(c => c.ItemId == added.ItemId);
            if (index < 0)
                counter.Add((added.ItemId, added.Quantity));
            else
                counter[index] = (added.ItemId, counter[index].Count + added.Quantity);
        }

        // heapq.nlargest as a selection: repeatedly take the first of the largest that is left.
        var result = new List<(string, long)>();
        var left = new List<(string ItemId, long Count)>(counter);
        while (result.Count < n && left.Count > 0)
        {
            var best = 0;
            for (var i = 1; i < left.Count; i++)
            {
                if (left[i].Count > left[best].Count)
                    best = i;
            }
            result.Add(left[best]);
            left.RemoveAt(best);
        }
        return result;
    }

    [Property]
    public Property Most_collected_equals_Counter_most_common_over_the_added_items_in_log_order() =>
        Prop.ForAll(Logs, Arb.From(Gen.Choose(1, 8)), (events, top) =>
        {
            var log = Record(events);
            var view = Fold(log);

            Assert.Equal(MostCommon(log, top), Ranking(view, top));
        });

    [Property]
    public Property The_counts_held_equal_the_domain_fold_of_the_same_log() =>
        Prop.ForAll(Logs, events =>
        {
            var log = Record(events);
            var view = Fold(log);
            var state = Inventory.Fold(InventoryState.Empty, log);

            Assert.Equal(state.Version, view.Version);
            Assert.Equal(state.Items, view.Items);
        });

    [Property]
    public Property Redelivering_any_prefix_of_the_log_at_any_point_changes_nothing() =>
        Prop.ForAll(Logs, Arb.From(Gen.ArrayOf(Gen.Choose(0, 1000))), (events, replays) =>
        {
            var log = Record(events);
            var view = Fold();
            var delivered = 0;
            foreach (var e in log)
            {
                view = view.Apply(e);
                delivered++;
                // An at-least-once feed: after each event, some earlier events come again.
                foreach (var replay in replays.Take(3))
                    view = view.Apply(log[replay % delivered]);
            }

            var once = Fold(log);
            Assert.Equal(once.Version, view.Version);
            Assert.Equal(once.Items, view.Items);
            Assert.Equal(once.MostCollected(CollectedView.MaxTop), view.MostCollected(CollectedView.MaxTop));
        });

    [Property]
    public Property A_view_survives_its_stored_document_shape_unchanged() =>
        Prop.ForAll(Logs, events =>
        {
            var view = Fold(Record(events)).View;
            using var document = System.Text.Json.JsonDocument.Parse(InventoryViewDocument.Encode(view));
            var decoded = InventoryViewDocument.Decode(document.RootElement);

            Assert.Equal(view.Version, decoded.Version);
            Assert.Equal(view.Items, decoded.Items);
            Assert.Equal(view.UpdatedAt, decoded.UpdatedAt);
        });
}
