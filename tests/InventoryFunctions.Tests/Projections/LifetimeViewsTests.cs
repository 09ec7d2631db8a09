using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// The views split over part documents, at a lifetime of 25,000 distinct item ids in one inventory (each added once,
/// then removed; never more than 50 held), through the one pipeline and the real codecs, against a store that keeps
/// the documents the codecs write and refuses what Cosmos DB refuses (100 operations or 2 MB per batch, 2 MB per
/// document): most collected equals <c>Counter.most_common</c>, dwell time answers for every removed item, and no
/// document reaches 1 MB, whether the views follow change-feed batches or are rebuilt from the whole log.
/// </summary>
public sealed class LifetimeViewsTests(ITestOutputHelper output)
{
    private const int DistinctItems = 25_000;
    private const int OneMegabyte = 1024 * 1024;
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly InMemoryEventLog _log = new();
    // A store each, to size each view's documents and writes on its own.
    private readonly InMemoryViewStore _collected = new();
    private readonly InMemoryViewStore _dwellTimes = new();

    private VersionedViewProjector Projector(InMemoryViewStore store) =>
        new([store == _collected ? ViewProjectors.Collected : ViewProjectors.DwellTime], store, _log, null, new FakeTimeProvider(T0), NullLogger<VersionedViewProjector>.Instance);

    /// <summary>Items added in groups of 50, then the group removed; the change feed hands them over 100 at a time.</summary>
    private List<List<System.Text.Json.JsonElement>> History()
    {
        var documents = new List<System.Text.Json.JsonElement>();
        for (var group = 0; group < DistinctItems / 50; group++)
        {
            var ids = Enumerable.Range(group * 50, 50).Select(i => $"item-{i:D6}").ToList();
            documents.AddRange(_log.Append("inv", [.. ids.Select(id => (InventoryEvent)new ItemAdded(id, 1))]));
            documents.AddRange(_log.Append("inv", [.. ids.Select(id => (InventoryEvent)new ItemRemoved(id, 1))]));
        }
        return [.. documents.Chunk(100).Select(c => c.ToList())];
    }

    private async Task AssertExactAsync(string how)
    {
        var events = _log.Events("inv");
        var collected = _collected.Find<CollectedView>("inv")!;
        var oracle = CollectedOracle.MostCommon(events.Select(e => ("inv", e)), CollectedView.MaxTop);
        Assert.Equal(events.Count, collected.Version);
        Assert.Equal(oracle.Take(3), collected.MostCollected(3).Select(c => (c.ItemId, c.Collected)));
        Assert.Equal(oracle, collected.MostCollected(100).Select(c => (c.ItemId, c.Collected)));

        var root = _dwellTimes.Find<DwellTimeView>("inv")!;
        var dwell = await _dwellTimes.LoadPartsAsync(root, [.. root.Parts.Occupied], CancellationToken.None);
        var (items, all) = DwellOracle.Compute(events);
        var loaded = dwell.LoadedItems;
        Assert.Equal(items.Keys.Order(StringComparer.Ordinal), loaded.Keys);
        foreach (var (itemId, exact) in items)
            DwellAssert.Close(exact, DwellStatistics.Of(loaded[itemId]), itemId, slack: 0);
        DwellAssert.Close(all, DwellStatistics.Of(dwell), "all", slack: 0);

        output.WriteLine($"{how}: collected {_collected.DocumentCount("inv")} documents, {_collected.Writes} writes, largest document {_collected.LargestDocument:N0} bytes, largest batch {_collected.LargestBatch:N0} bytes; "
            + $"dwell time {_dwellTimes.DocumentCount("inv")} documents, {_dwellTimes.Writes} writes, largest document {_dwellTimes.LargestDocument:N0} bytes, largest batch {_dwellTimes.LargestBatch:N0} bytes");
        Assert.InRange(_collected.LargestDocument, 1, OneMegabyte);
        Assert.InRange(_dwellTimes.LargestDocument, 1, OneMegabyte);
    }

    [Fact]
    public async Task Following_the_change_feed_over_25000_distinct_items_stays_exact_and_bounded()
    {
        var collected = Projector(_collected);
        var dwellTimes = Projector(_dwellTimes);
        foreach (var batch in History())
        {
            var changes = EventCodec.ReadChanges(batch);
            await collected.ProjectAsync(changes, CancellationToken.None);
            await dwellTimes.ProjectAsync(changes, CancellationToken.None);
            // A redelivery of the batch changes nothing and writes nothing.
            var writes = (_collected.Writes, _dwellTimes.Writes);
            await collected.ProjectAsync(changes, CancellationToken.None);
            await dwellTimes.ProjectAsync(changes, CancellationToken.None);
            Assert.Equal(writes, (_collected.Writes, _dwellTimes.Writes));
        }

        await AssertExactAsync("change feed");
    }

    [Fact]
    public async Task A_rebuild_from_the_whole_log_of_25000_distinct_items_writes_in_bounded_batches_and_stays_exact()
    {
        History();
        var whole = await ChangeBatch.FromLogAsync("inv", _log, CancellationToken.None);

        await Projector(_collected).RebuildAsync("inv", whole, CancellationToken.None);
        await Projector(_dwellTimes).RebuildAsync("inv", whole, CancellationToken.None);

        await AssertExactAsync("rebuild");
    }

    [Fact]
    public async Task A_rebuild_over_a_view_replaces_it_in_a_new_generation_so_its_old_parts_count_nothing()
    {
        var collected = Projector(_collected);
        var batch = EventCodec.ReadChanges(_log.Append("inv", new ItemAdded("sword", 2), new ItemAdded("shield", 1)));
        await collected.ProjectAsync(batch, CancellationToken.None);
        var before = _collected.Find<CollectedView>("inv")!.Parts.Generation;

        await collected.RebuildAsync("inv", await ChangeBatch.FromLogAsync("inv", _log, CancellationToken.None), CancellationToken.None);
        await collected.ProjectAsync(EventCodec.ReadChanges(_log.Append("inv", new ItemAdded("sword", 1))), CancellationToken.None);

        var view = _collected.Find<CollectedView>("inv")!;
        Assert.NotEqual(before, view.Parts.Generation);
        Assert.Equal([("sword", 3L), ("shield", 1L)], view.MostCollected(3).Select(c => (c.ItemId, c.Collected)));
    }

    [Fact]
    public async Task An_old_single_document_dwell_view_still_reads_and_is_recomputed_in_parts_on_the_next_batch()
    {
        _log.Append("inv", new ItemAdded("sword", 2));
        _dwellTimes.Put("inv", DwellTimeDocument.DocumentId,
            """{"id":"dwell-time","inventoryId":"inv","kind":"dwell-time","version":1,"items":{"sword":{"held":[["2026-05-01T12:00:00.0000000Z",2]],"removed":0,"totalSeconds":0,"histogram":{}}},"skippedVersions":[]}""");

        var old = _dwellTimes.Find<DwellTimeView>("inv")!;
        Assert.False(old.Continuable);
        Assert.Equal(2, DwellStatistics.Of(old).Held);

        await Projector(_dwellTimes).ProjectAsync(EventCodec.ReadChanges(_log.Append("inv", new ItemRemoved("sword", 1))), CancellationToken.None);

        var view = _dwellTimes.Find<DwellTimeView>("inv")!;
        Assert.True(view.Continuable);
        Assert.Equal((2L, 1L, 1L), (view.Version, DwellStatistics.Of(view).Removed, DwellStatistics.Of(view).Held));
    }
}
