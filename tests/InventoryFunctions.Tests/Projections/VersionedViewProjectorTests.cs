using System.Text;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// The per-inventory projector of the other views (here the dwell-time view) against in-memory ports: one broken
/// inventory is retried, counted and parked, never stalling the others, and a rebuild after the repair releases it.
/// </summary>
public class VersionedViewProjectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly InMemoryViewStore<DwellTimeView> _views = new(new DwellTimeDocument());
    private readonly InMemoryEventLog _log = new();

    private VersionedViewProjector<DwellTimeView> NewProjector() =>
        new(_views, _log, new FakeTimeProvider(Now), NullLogger<VersionedViewProjector<DwellTimeView>>.Instance);

    private static IReadOnlyList<ChangedDocument> Changes(IEnumerable<System.Text.Json.JsonElement> documents) => EventCodec.ReadChanges([.. documents]);

    private static System.Text.Json.JsonElement Orphan(string inventoryId, long version) =>
        InMemoryEventLog.Document(Encoding.UTF8.GetString(EventCodec.Encode(inventoryId, new RecordedEvent(version, Now, new ItemAdded("sword", 1)))));

    [Fact]
    public async Task A_hole_in_one_log_is_retried_counted_then_parked_while_the_other_inventories_are_projected()
    {
        var batch = Changes([Orphan("broken", 3), .. _log.Append("fine", new ItemAdded("shield", 1))]);

        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
        {
            // A new projector each time: the count lives in the store, as across restarts and instances.
            await Assert.ThrowsAsync<CorruptEventException>(() => NewProjector().ProjectAsync(batch, CancellationToken.None));
            Assert.Equal(1, _views.Find("fine")!.Version);
            Assert.Equal((0L, delivery), (_views.Find("broken")!.Version, _views.Find("broken")!.FailedDeliveries));
        }
        await NewProjector().ProjectAsync(batch, CancellationToken.None); // parks it: the batch completes

        var parked = _views.Find("broken")!;
        Assert.Equal(0, parked.Version);
        Assert.Contains("missing", parked.Parked!.Reason, StringComparison.Ordinal);
        Assert.Equal(Now, parked.Parked.At);
        Assert.Equal(0, parked.FailedDeliveries);
    }

    [Fact]
    public async Task A_parked_view_applies_nothing_more_until_a_rebuild_after_the_repair_releases_it()
    {
        var batch = Changes([Orphan("broken", 3)]);
        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
            await Assert.ThrowsAnyAsync<Exception>(() => NewProjector().ProjectAsync(batch, CancellationToken.None));
        await NewProjector().ProjectAsync(batch, CancellationToken.None);

        // The repair: the log now holds versions 1-3. Deliveries of them change nothing on the parked view.
        var repaired = _log.Append("broken", new ItemAdded("sword", 2), new ItemRemoved("sword", 1), new ItemAdded("bow", 1));
        await NewProjector().ProjectAsync(Changes(repaired), CancellationToken.None);
        Assert.Equal(0, _views.Find("broken")!.Version);

        var rebuilt = await NewProjector().RebuildAsync("broken", await ChangeBatch.FromLogAsync("broken", _log, CancellationToken.None), CancellationToken.None);

        Assert.Null(rebuilt.Parked);
        Assert.Equal(3, rebuilt.Version);
        var events = _log.Events("broken");
        var expected = events.Aggregate(DwellTimeView.Empty("broken").WithEmptyParts(events.SelectMany(DwellTimeView.PartsFor)), (view, e) => view.Apply(e));
        Assert.Equal(DwellStatistics.Of(expected), DwellStatistics.Of(_views.Find("broken")!));
        Assert.Equal(expected.Holding, _views.Find("broken")!.Holding);
    }

    [Fact]
    public async Task A_delivery_that_applies_ends_the_count_of_failed_ones()
    {
        await Assert.ThrowsAsync<CorruptEventException>(() => NewProjector().ProjectAsync(Changes([Orphan("inv-1", 3)]), CancellationToken.None));
        Assert.Equal(1, _views.Find("inv-1")!.FailedDeliveries);

        await NewProjector().ProjectAsync(Changes(_log.Append("inv-1", new ItemAdded("a", 1), new ItemAdded("b", 1), new ItemAdded("c", 1))), CancellationToken.None);

        Assert.Equal((3L, 0), (_views.Find("inv-1")!.Version, _views.Find("inv-1")!.FailedDeliveries));
    }
}
