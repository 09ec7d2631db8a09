using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// ProjectInventory's step: the inventory view and most collected of an inventory through one read and one batch,
/// each view still failing and parking on its own.
/// </summary>
public sealed class ProjectInventoryStepTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly InMemoryViewStore _views = new();
    private readonly InMemoryEventLog _log = new();
    private readonly RecordingPoisonQueue _poison = new();

    private VersionedViewProjector Step() =>
        new ViewProjectors(_views, _log, _poison, new FakeTimeProvider(Now), NullLogger<VersionedViewProjector>.Instance).InventoryAndCollected;

    private Task Project(IEnumerable<System.Text.Json.JsonElement> documents) => Step().ProjectAsync(EventCodec.ReadChanges([.. documents]), CancellationToken.None);

    private async Task AssertBothEqualTheLog(string inventoryId, long version)
    {
        await ViewOracle.AssertEqualsTheLog(_views, _log, ViewOracle.Inventory, inventoryId, version);
        await ViewOracle.AssertEqualsTheLog(_views, _log, ViewOracle.Collected, inventoryId, version);
    }

    [Fact]
    public async Task Both_views_of_each_inventory_cost_one_read_and_one_write_per_batch()
    {
        var batch = _log.Append("inv-a", new ItemAdded("sword", 2), new ItemAdded("shield", 1), new ItemRemoved("sword", 1));
        batch.AddRange(_log.Append("inv-b", new ItemAdded("bow", 1)));

        await Project(batch);
        await Project(_log.Append("inv-a", new ItemAdded("potion", 3)));

        await AssertBothEqualTheLog("inv-a", 4);
        await AssertBothEqualTheLog("inv-b", 1);
        Assert.Equal((2, 2), (_views.ReadsOf("inv-a"), _views.WritesOf("inv-a")));
        Assert.Equal((1, 1), (_views.ReadsOf("inv-b"), _views.WritesOf("inv-b")));
    }

    [Fact]
    public async Task A_most_collected_view_the_store_refuses_parks_alone_and_the_inventory_view_goes_on()
    {
        await Project(_log.Append("inv-1", new ItemAdded("sword", 1)));
        _views.RefuseViewsPast(1, typeof(CollectedView));
        var refused = _log.Append("inv-1", new ItemAdded("sword", 2));

        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
        {
            await Assert.ThrowsAsync<ViewRejectedException>(() => Project(refused));
            await ViewOracle.AssertEqualsTheLog(_views, _log, ViewOracle.Inventory, "inv-1", 2);
        }
        await Project(refused);
        await Project(_log.Append("inv-1", new ItemRemoved("sword", 1)));

        Assert.NotNull(_views.Find<CollectedView>("inv-1")!.Parked);
        await ViewOracle.AssertEqualsTheLog(_views, _log, ViewOracle.Collected, "inv-1", 1);
        Assert.Null(_views.Find<InventoryView>("inv-1")!.Parked);
        await ViewOracle.AssertEqualsTheLog(_views, _log, ViewOracle.Inventory, "inv-1", 3);
        Assert.Single(_poison.Messages, m => m.Reason.StartsWith("parked: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hole_parks_both_views_with_one_message_and_a_rebuild_of_the_repaired_log_releases_both()
    {
        var orphan = EventCodec.ReadChanges([InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(
            EventCodec.Encode("inv-1", new RecordedEvent(3, Now, new ItemAdded("sword", 1)))))]);
        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
            await Assert.ThrowsAsync<CorruptEventException>(() => Step().ProjectAsync(orphan, CancellationToken.None));
        await Step().ProjectAsync(orphan, CancellationToken.None);

        Assert.NotNull(_views.Find<InventoryView>("inv-1")!.Parked);
        Assert.NotNull(_views.Find<CollectedView>("inv-1")!.Parked);
        Assert.Single(_poison.Messages);

        _log.Append("inv-1", new ItemAdded("sword", 2), new ItemAdded("bow", 1), new ItemAdded("sword", 1));
        var rebuilt = await ViewOracle.RebuildAsync(Step(), _log, "inv-1");

        Assert.All(rebuilt, view => Assert.Null(view.Parked));
        await AssertBothEqualTheLog("inv-1", 3);
    }

    [Fact]
    public async Task An_undecodable_document_is_reported_once_for_both_views()
    {
        var batch = _log.Append("inv-1", new ItemAdded("sword", 1));
        batch.Add(_log.AppendRaw("inv-1", v => $$"""{"id":"{{v}}","inventoryId":"inv-1","version":{{v}},"type":"ItemAdded","data":"garbage"}"""));
        batch.AddRange(_log.Append("inv-1", new ItemAdded("sword", 1)));

        await Project(batch);
        await Project(batch);

        Assert.Equal(2, Assert.Single(_poison.Messages).Version);
        await AssertBothEqualTheLog("inv-1", 3);
    }
}
