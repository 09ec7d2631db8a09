using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Tests.Projections;

public sealed class DwellTimeViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Removal_ends_the_dwell_of_the_oldest_units_first()
    {
        var view = Fold(
            (0, new ItemAdded("sword", 2)),
            (10, new ItemAdded("sword", 1)),
            (30, new ItemRemoved("sword", 2)),   // the two added at 0: 30 s each
            (45, new ItemRemoved("sword", 1)));  // the one added at 10: 35 s

        var sword = DwellStatistics.Of(view.LoadedItems["sword"]);
        Assert.Equal(3, sword.Removed);
        Assert.Equal((30 + 30 + 35) / 3.0, sword.MeanSeconds!.Value, 9);
        Assert.Equal(0, sword.Held);
        Assert.Null(sword.OldestHeldSince);
    }

    [Fact]
    public void Instants_that_go_back_give_a_dwell_of_zero_and_blind_removals_of_units_never_held_count_nothing()
    {
        var view = Fold(
            (100, new ItemAdded("gem", 1)),
            (40, new ItemRemoved("gem", 3)),     // clock went back: dwell 0; two units were never held
            (50, new ItemRemoved("ghost", 1)));  // never added at all

        var gem = DwellStatistics.Of(view.LoadedItems["gem"]);
        Assert.Equal(1, gem.Removed);
        Assert.Equal(0, gem.MeanSeconds);
        Assert.Equal(0, gem.MedianSeconds);
        Assert.False(view.LoadedItems.ContainsKey("ghost"));
        Assert.Equal(3, view.Version);
    }

    [Fact]
    public void Applying_a_version_again_changes_nothing_and_a_gap_throws()
    {
        var view = Fold((0, new ItemAdded("sword", 1)), (5, new ItemRemoved("sword", 1)));
        Assert.Same(view, view.Apply(new RecordedEvent(2, T0, new ItemAdded("sword", 9))));
        Assert.Throws<ArgumentException>(() => view.Apply(new RecordedEvent(4, T0, new ItemAdded("sword", 1))));
    }

    [Fact]
    public void Statistics_match_the_unit_by_unit_oracle_on_random_histories()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var log = RandomLog(new Random(seed), events: 1 + seed % 60, maxItems: 4);
            var view = Fold(log);
            var (items, all) = DwellOracle.Compute(log);

            Assert.Equal(items.Keys.Order(StringComparer.Ordinal), view.LoadedItems.Keys);
            foreach (var (itemId, exact) in items)
                DwellAssert.Close(exact, DwellStatistics.Of(view.LoadedItems[itemId]), $"seed {seed}, item {itemId}", slack: 0);
            DwellAssert.Close(all, DwellStatistics.Of(view), $"seed {seed}, all", slack: 0);
        }
    }

    [Fact]
    public void Past_the_cap_runs_merge_within_the_documented_bound()
    {
        var random = new Random(7);
        var log = new List<RecordedEvent>();
        for (var i = 0; i < 200; i++)
            log.Add(new RecordedEvent(log.Count + 1, T0.AddSeconds(i * 10 + random.Next(0, 9)), new ItemAdded("arrow", random.Next(1, 4))));
        for (var i = 0; i < 150; i++)
            log.Add(new RecordedEvent(log.Count + 1, T0.AddSeconds(5_000 + i), new ItemRemoved("arrow", random.Next(1, 4))));

        var view = Fold(log);
        Assert.True(view.LoadedItems["arrow"].Held.Count <= DwellTimeView.MaxRunsPerItem);
        var (_, exact) = DwellOracle.Compute(log);
        // A unit's add instant moves at most by the span of the runs merged into its run: here at most the span of the adds.
        var span = (log.Where(e => e.Event is ItemAdded).Max(e => e.OccurredAt) - T0).TotalSeconds;
        var actual = DwellStatistics.Of(view.LoadedItems["arrow"]);
        DwellAssert.Close(exact, actual, "merged", slack: span);
    }

    [Fact]
    public void Merging_never_touches_the_oldest_run()
    {
        var log = Enumerable.Range(0, 100).Select(i => new RecordedEvent(i + 1, T0.AddSeconds(i * i), new ItemAdded("arrow", 1))).ToList();
        var held = Fold(log).LoadedItems["arrow"].Held;
        Assert.Equal(DwellTimeView.MaxRunsPerItem, held.Count);
        Assert.Equal(new HeldRun(T0, 1), held[0]);
        Assert.Equal(100, held.Sum(r => r.Units));
    }

    [Fact]
    public void The_document_round_trips_the_view()
    {
        var view = Fold(RandomLog(new Random(3), events: 80, maxItems: 5)).Skip(81);
        var codec = new DwellTimeDocument();
        using var document = System.Text.Json.JsonDocument.Parse(codec.Encode(view));
        var parts = codec.EncodeChangedParts(view).Select(p => System.Text.Json.JsonDocument.Parse(p.Document).RootElement).ToList();
        var decoded = codec.WithParts(codec.Decode(document.RootElement), view.Parts.Occupied, parts);

        Assert.Equal(view.Version, decoded.Version);
        Assert.Equal(view.SkippedVersions, decoded.SkippedVersions);
        Assert.Equal(view.Holding, decoded.Holding);
        Assert.Equal(DwellStatistics.Of(view), DwellStatistics.Of(decoded));
        Assert.Equal(view.LoadedItems.Keys, decoded.LoadedItems.Keys);
        foreach (var (itemId, item) in view.LoadedItems)
        {
            Assert.Equal(item.Held, decoded.LoadedItems[itemId].Held);
            Assert.Equal(item.Histogram, decoded.LoadedItems[itemId].Histogram);
            Assert.Equal((item.Removed, item.TotalSeconds), (decoded.LoadedItems[itemId].Removed, decoded.LoadedItems[itemId].TotalSeconds));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.0009)]
    [InlineData(0.001)]
    [InlineData(1.0)]
    [InlineData(3600.0)]
    [InlineData(3.15e9)]
    public void A_bucket_answers_within_the_relative_error(double seconds)
    {
        var value = DwellHistogram.ValueOf(DwellHistogram.BucketOf(seconds));
        Assert.True(Math.Abs(value - seconds) <= Math.Max(DwellHistogram.Resolution, seconds * DwellHistogram.RelativeError) + 1e-12,
            $"{seconds} s answered as {value} s");
    }

    private static DwellTimeView Fold(params (double Seconds, InventoryEvent Event)[] events) =>
        Fold([.. events.Select((e, i) => new RecordedEvent(i + 1, T0.AddSeconds(e.Seconds), e.Event))]);

    private static DwellTimeView Fold(IEnumerable<RecordedEvent> log) =>
        log.Aggregate(DwellTimeView.Empty("inv"), (view, e) => view.WithEmptyParts(DwellTimeView.PartsFor(e).Where(b => !view.IsLoaded(b))).Apply(e));

    /// <summary>Adds and removals (sometimes of more than is held) at instants that mostly go forward, sometimes back.</summary>
    private static List<RecordedEvent> RandomLog(Random random, int events, int maxItems)
    {
        var log = new List<RecordedEvent>();
        var at = T0;
        for (var version = 1; version <= events; version++)
        {
            at = at.AddMilliseconds(random.Next(10) == 0 ? -random.Next(0, 60_000) : random.Next(0, 3_600_000));
            var item = "item" + random.Next(maxItems);
            var quantity = random.Next(1, 5);
            log.Add(new RecordedEvent(version, at, random.NextDouble() < 0.55 ? new ItemAdded(item, quantity) : new ItemRemoved(item, quantity)));
        }
        return log;
    }
}
