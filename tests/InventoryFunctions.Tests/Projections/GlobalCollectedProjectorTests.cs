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

    private GlobalCollectedProjector Projector() => new(_store, _log, NullLogger<GlobalCollectedProjector>.Instance);

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
