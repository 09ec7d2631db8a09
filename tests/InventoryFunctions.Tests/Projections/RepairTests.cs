using System.Text;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// The one repair path (<see cref="ViewRepair"/>, what rebuilds and the poison replay run): a document
/// undecodable when the change feed delivered it, repaired in place, reaches every view when the repair runs, and
/// running it again counts nothing twice.
/// </summary>
public sealed class RepairTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly InMemoryEventLog _log = new();
    private readonly InMemoryViewStore _views = new();
    private readonly InMemoryGlobalCollectedStore _global = new();
    private readonly FakeTimeProvider _time = new(Now);

    private ViewProjectors Views() => new(_views, _log, new RecordingPoisonQueue(), _time, NullLogger<VersionedViewProjector>.Instance);

    private GlobalCollectedProjector Global() => new(_global, _log, _time, NullLogger<GlobalCollectedProjector>.Instance);

    [Fact]
    public async Task A_repaired_poison_document_reaches_every_view_and_a_second_repair_counts_nothing_twice()
    {
        var documents = new List<System.Text.Json.JsonElement>();
        documents.AddRange(_log.Append("inv", new ItemAdded("sword", 2), new ItemAdded("shield", 1)));
        documents.Add(_log.AppendRaw("inv", v => $$"""{"id":"{{v}}","inventoryId":"inv","version":{{v}},"type":"ItemAdded","data":"garbage"}"""));
        documents.AddRange(_log.Append("inv", new ItemRemoved("sword", 1), new ItemAdded("bow", 1)));
        documents.AddRange(_log.Append("other", new ItemAdded("gem", 5)));
        var changes = EventCodec.ReadChanges(documents);
        await Views().InventoryAndCollected.ProjectAsync(changes, CancellationToken.None);
        await Views().DwellTimes.ProjectAsync(changes, CancellationToken.None);
        await Global().ProjectAsync(changes, CancellationToken.None);
        Assert.Contains(3L, _views.Find<InventoryView>("inv")!.SkippedVersions);

        // The repair in place: version 3 now adds 4 swords (at its own instant).
        _log.Replace("inv", 3, Encoding.UTF8.GetString(EventCodec.Encode("inv", new RecordedEvent(3, InMemoryEventLog.Start.AddSeconds(3), new ItemAdded("sword", 4)))));
        var rebuilder = new ViewRepair(Views(), Global(), _log, NullLogger<ViewRepair>.Instance);
        for (var run = 1; run <= 2; run++)
        {
            var reads = _log.RangeReads.Count;
            await rebuilder.RebuildAsync("inv", CancellationToken.None, reportUndecodable: false);
            Assert.Equal(reads + 1, _log.RangeReads.Count); // the log is read once for every view

            var events = _log.Events("inv");
            var inventory = _views.Find<InventoryView>("inv")!;
            Assert.Equal(Inventory.Fold(InventoryState.Empty, events).Items, inventory.Items);
            Assert.Empty(inventory.SkippedVersions);
            Assert.Equal(CollectedOracle.MostCommon(events.Select(e => ("inv", e)), 100),
                _views.Find<CollectedView>("inv")!.MostCollected(100).Select(c => (c.ItemId, c.Collected)));
            var dwell = _views.Find<DwellTimeView>("inv")!;
            dwell = await _views.LoadPartsAsync(dwell, [.. dwell.Parts.Occupied], CancellationToken.None);
            var (items, all) = DwellOracle.Compute(events);
            var loaded = dwell.LoadedItems;
            foreach (var (itemId, exact) in items)
                DwellAssert.Close(exact, DwellStatistics.Of(loaded[itemId]), itemId, slack: 0);
            DwellAssert.Close(all, DwellStatistics.Of(dwell), "all", slack: 0);
            Assert.Empty(dwell.SkippedVersions);

            var everyLog = _log.Events("inv").Select(e => ("inv", e)).Concat(_log.Events("other").Select(e => ("other", e)));
            var board = (await _global.ReadBoardAsync(CancellationToken.None)).Board;
            Assert.Equal(CollectedOracle.MostCommon(everyLog, 100), board.Top(100).Select(t => (t.ItemId, t.Collected)));
        }
    }
}
