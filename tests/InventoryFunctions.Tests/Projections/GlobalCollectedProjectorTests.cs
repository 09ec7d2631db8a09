using InventoryFunctions.Application;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace InventoryFunctions.Tests.Projections;

public sealed class GlobalCollectedProjectorTests
{
    private readonly InMemoryEventLog _log = new();
    private readonly InMemoryGlobalCollectedStore _store = new();

    private GlobalCollectedProjector Projector() => new(_store, _log, TimeProvider.System, NullLogger<GlobalCollectedProjector>.Instance);

    [Fact]
    public async Task Redelivered_overlapping_and_reordered_batches_count_every_event_exactly_once()
    {
        var random = new Random(5);
        var documents = new List<JsonElement>();
        for (var i = 0; i < 400; i++)
        {
            var inventoryId = "inv-" + random.Next(25);
            documents.Add(_log.AppendOne(inventoryId, random.Next(4) == 0
                ? new ItemRemoved("item-" + random.Next(150), 1)
                : new ItemAdded("item-" + random.Next(150), random.Next(1, 5))));
        }

        // At least once: every document is delivered, some of them several times, in overlapping batches.
        var projector = Projector();
        for (var start = 0; start < documents.Count; start += random.Next(1, 40))
        {
            var batch = documents.Skip(start).Take(random.Next(1, 60)).ToList();
            await projector.ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None);
        }
        await projector.ProjectAsync(EventCodec.ReadChanges(documents), CancellationToken.None);

        var expected = CollectedOracle.MostCommon(AllEvents(), 100);
        var board = (await _store.ReadBoardAsync(CancellationToken.None)).Board;
        Assert.Equal(expected, board.Top(100).Select(t => (t.ItemId, t.Collected)));
    }

    [Fact]
    public async Task A_hole_in_one_log_is_counted_on_its_watermark_then_parked_while_the_other_inventories_are_counted()
    {
        var orphan = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(
            EventCodec.Encode("broken", new RecordedEvent(3, InMemoryEventLog.Start, new ItemAdded("gem", 9)))));
        var batch = EventCodec.ReadChanges([orphan, .. _log.Append("fine", new ItemAdded("sword", 2))]);

        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
        {
            await Assert.ThrowsAsync<CorruptEventException>(() => Projector().ProjectAsync(batch, CancellationToken.None));
            Assert.Equal(delivery, _store.WatermarkOf("broken")!.FailedDeliveries);
        }
        await Projector().ProjectAsync(batch, CancellationToken.None); // parks it: the batch completes

        Assert.NotNull(_store.WatermarkOf("broken")!.Parked);
        Assert.Equal(0, _store.WatermarkOf("broken")!.Version);
        Assert.Equal([("sword", 2L)], (await _store.ReadBoardAsync(CancellationToken.None)).Board.Top(10).Select(t => (t.ItemId, t.Collected)));

        // The repair: the log holds versions 1-3 now; deliveries count nothing of a parked inventory, a rebuild counts it all once.
        var repaired = _log.Append("broken", new ItemAdded("gem", 1), new ItemAdded("bow", 4), new ItemAdded("gem", 9));
        await Projector().ProjectAsync(EventCodec.ReadChanges(repaired), CancellationToken.None);
        Assert.Equal([("sword", 2L)], (await _store.ReadBoardAsync(CancellationToken.None)).Board.Top(10).Select(t => (t.ItemId, t.Collected)));

        await Projector().RebuildAsync("broken", await ChangeBatch.FromLogAsync("broken", _log, CancellationToken.None), CancellationToken.None);
        await Projector().RebuildAsync("broken", await ChangeBatch.FromLogAsync("broken", _log, CancellationToken.None), CancellationToken.None); // again: nothing counted twice

        Assert.Null(_store.WatermarkOf("broken")!.Parked);
        var everyLog = new[] { "fine", "broken" }.SelectMany(id => _log.Events(id).Select(e => (id, e)));
        Assert.Equal(CollectedOracle.MostCommon(everyLog, 10), (await _store.ReadBoardAsync(CancellationToken.None)).Board.Top(10).Select(t => (t.ItemId, t.Collected)));
    }

    [Fact]
    public async Task A_batch_that_lacks_versions_reads_them_from_the_log()
    {
        _log.Append("inv-1", new ItemAdded("a", 2), new ItemAdded("b", 1));
        var last = _log.AppendOne("inv-1", new ItemAdded("b", 2));

        await Projector().ProjectAsync(EventCodec.ReadChanges([last]), CancellationToken.None);

        var board = (await _store.ReadBoardAsync(CancellationToken.None)).Board;
        Assert.Equal([("b", 3L), ("a", 2L)], board.Top(10).Select(t => (t.ItemId, t.Collected)));
    }

    [Fact]
    public async Task A_redelivery_of_what_was_counted_commits_nothing()
    {
        var documents = _log.Append("inv-1", new ItemAdded("a", 2), new ItemAdded("b", 1));
        await Projector().ProjectAsync(EventCodec.ReadChanges(documents), CancellationToken.None);
        var commits = _store.Commits;

        await Projector().ProjectAsync(EventCodec.ReadChanges(documents), CancellationToken.None);

        Assert.Equal(commits, _store.Commits);
    }

    [Fact]
    public void Ties_go_to_the_item_first_added_by_instant_then_inventory_id_then_version()
    {
        var t = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        ItemTotal Total(string item, DateTimeOffset at, string inventory, long version) => new(item, 5, new FirstAdded(at, inventory, version));
        var ranked = GlobalMostCollected.Top([Total("d", t, "b", 1), Total("c", t, "a", 2), Total("b", t, "a", 1), Total("a", t.AddTicks(1), "a", 1)], 4);
        Assert.Equal(["b", "c", "d", "a"], ranked.Select(r => r.ItemId));
    }

    private List<(string InventoryId, RecordedEvent Event)> AllEvents() =>
        [.. Enumerable.Range(0, 25).SelectMany(i => _log.Events("inv-" + i).Select(e => ("inv-" + i, e)))];
}
