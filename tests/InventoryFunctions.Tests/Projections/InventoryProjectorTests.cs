using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// The projector against in-memory ports. The change feed is played by hand: a batch is the list of documents the
/// trigger would hand over, and "redelivery" is calling the projector again with documents it has seen.
/// </summary>
public class InventoryProjectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly InMemoryProjectionStore _views = new();
    private readonly InMemoryEventLog _log = new();
    private readonly RecordingPoisonQueue _poison = new();
    private readonly FakeTimeProvider _time = new(Now);

    private InventoryProjector NewProjector() => new(_views, _log, _poison, _time, NullLogger<InventoryProjector>.Instance);

    private Task Project(IEnumerable<JsonElement> documents) => NewProjector().ProjectAsync(EventCodec.ReadChanges([.. documents]), CancellationToken.None);

    private static ItemAdded Add(string itemId, int quantity = 1) => new(itemId, quantity);

    private static ItemRemoved Remove(string itemId, int quantity = 1) => new(itemId, quantity);

    private InventoryView View(string inventoryId) => _views.Find(inventoryId) ?? throw new Xunit.Sdk.XunitException($"No view of {inventoryId}.");

    private static Dictionary<string, int> Items(params (string ItemId, int Count)[] items) =>
        items.ToDictionary(i => i.ItemId, i => i.Count, StringComparer.Ordinal);

    /// <summary>The view the log itself folds to, the reference every projection must equal.</summary>
    private void AssertViewEqualsTheLog(string inventoryId)
    {
        var events = _log.Events(inventoryId);
        var expected = events.Aggregate(InventoryView.Empty(inventoryId), (v, e) => v.Apply(e));
        var view = View(inventoryId);
        Assert.Equal(expected.Version, view.Version);
        Assert.Equal(expected.Items, view.Items);
    }

    private static string Legacy(long version, string type, string itemId) =>
        $$"""{"id":"{{version}}","inventoryId":"inv-1","version":{{version}},"type":"{{type}}","data":"{{itemId}}","timestamp":"2019-03-04T05:06:07.123456"}""";

    private static string Undecodable(string inventoryId, long version) =>
        $$"""{"id":"{{version}}","inventoryId":"{{inventoryId}}","version":{{version}},"type":"ItemExploded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""";

    // ---- Applying a batch --------------------------------------------------------------------------------------

    [Fact]
    public async Task A_batch_is_applied_in_version_order_with_one_read_and_one_write()
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"), Remove("sword"), Add("potion", 3));

        await Project(batch);

        var view = View("inv-1");
        Assert.Equal(4, view.Version);
        Assert.Equal(Items(("potion", 3), ("shield", 1), ("sword", 1)), view.Items);
        Assert.Equal(InMemoryEventLog.Start.AddSeconds(4), view.UpdatedAt);
        Assert.Equal((1, 1), (_views.ReadsOf("inv-1"), _views.WritesOf("inv-1")));
    }

    [Fact]
    public async Task Documents_of_one_inventory_out_of_order_in_a_batch_are_still_applied_in_version_order()
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Remove("sword", 2), Add("sword"));

        await Project([batch[2], batch[0], batch[1]]);

        Assert.Equal(Items(("sword", 1)), View("inv-1").Items);
        Assert.Empty(_log.RangeReads);
    }

    [Fact]
    public async Task Fifty_events_of_one_inventory_cost_one_read_and_one_write()
    {
        var batch = Enumerable.Range(0, 50).Select(i => _log.AppendOne("inv-1", Add($"item-{i % 7}", i + 1))).ToList();

        await Project(batch);

        Assert.Equal(50, View("inv-1").Version);
        Assert.Equal((1, 1), (_views.ReadsOf("inv-1"), _views.WritesOf("inv-1")));
        Assert.Empty(_log.RangeReads);
        AssertViewEqualsTheLog("inv-1");
    }

    [Fact]
    public async Task A_batch_covering_several_inventories_projects_each_with_one_read_and_one_write()
    {
        var batch = new List<JsonElement>();
        for (var round = 0; round < 3; round++)
        {
            batch.Add(_log.AppendOne("inv-a", Add("sword")));
            batch.Add(_log.AppendOne("inv-b", Add("shield", 2)));
            batch.Add(_log.AppendOne("inv-c", round == 0 ? Add("bow") : Remove("bow")));
        }

        await Project(batch);

        Assert.Equal(Items(("sword", 3)), View("inv-a").Items);
        Assert.Equal(Items(("shield", 6)), View("inv-b").Items);
        Assert.Empty(View("inv-c").Items);
        Assert.All(["inv-a", "inv-b", "inv-c"], id =>
        {
            Assert.Equal(3, View(id).Version);
            Assert.Equal((1, 1), (_views.ReadsOf(id), _views.WritesOf(id)));
        });
    }

    [Fact]
    public async Task A_batch_extends_the_view_it_finds()
    {
        await Project(_log.Append("inv-1", Add("sword"), Add("shield")));

        await Project(_log.Append("inv-1", Add("sword"), Remove("shield")));

        Assert.Equal(4, View("inv-1").Version);
        Assert.Equal(Items(("sword", 2)), View("inv-1").Items);
        Assert.Equal(2, _views.WritesOf("inv-1"));
    }

    // ---- At least once: redelivery and duplicates ---------------------------------------------------------------

    [Fact]
    public async Task The_same_batch_delivered_twice_counts_once_and_the_second_delivery_writes_nothing()
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        batch.AddRange(_log.Append("inv-2", Add("potion")));
        await Project(batch);
        _views.ResetCounts();

        await Project(batch);

        Assert.Equal(Items(("shield", 1), ("sword", 2)), View("inv-1").Items);
        Assert.Equal(Items(("potion", 1)), View("inv-2").Items);
        Assert.Equal(0, _views.TotalWrites);
        Assert.Equal(2, _views.TotalReads);
    }

    [Fact]
    public async Task A_duplicate_older_event_after_newer_ones_changes_nothing_and_writes_nothing()
    {
        var batch = _log.Append("inv-1", Add("sword"), Add("shield"), Add("sword"));
        await Project(batch);
        _views.ResetCounts();

        await Project([batch[1]]);

        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("shield", 1), ("sword", 2)), View("inv-1").Items);
        Assert.Equal(0, _views.TotalWrites);
    }

    [Fact]
    public async Task Old_duplicates_mixed_with_new_events_apply_only_the_new_ones()
    {
        var first = _log.Append("inv-1", Add("sword"), Add("shield"));
        await Project(first);

        var next = _log.AppendOne("inv-1", Add("sword", 5));
        await Project([first[1], next, first[0], next]);

        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("shield", 1), ("sword", 6)), View("inv-1").Items);
        Assert.Empty(_log.RangeReads);
    }

    // ---- Gaps ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_gap_in_the_batch_is_filled_from_the_log_with_one_range_read()
    {
        await Project(_log.Append("inv-1", Add("sword"), Add("shield")));
        _log.Append("inv-1", Add("sword", 2), Remove("shield")); // versions 3 and 4: not delivered
        var late = _log.Append("inv-1", Add("potion"), Add("sword"));

        await Project(late);

        Assert.Equal(6, View("inv-1").Version);
        Assert.Equal(Items(("potion", 1), ("sword", 4)), View("inv-1").Items);
        Assert.Equal([("inv-1", 3L, 6L)], _log.RangeReads);
        AssertViewEqualsTheLog("inv-1");
    }

    [Fact]
    public async Task A_first_delivery_that_starts_mid_stream_reads_the_beginning_from_the_log()
    {
        _log.Append("inv-1", Add("sword"), Add("shield"));
        var late = _log.AppendOne("inv-1", Add("sword"));

        await Project([late]);

        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("shield", 1), ("sword", 2)), View("inv-1").Items);
    }

    [Fact]
    public async Task A_gap_the_log_cannot_fill_fails_the_invocation_applies_nothing_and_counts_the_failed_delivery()
    {
        // Version 3 only: as if versions 1 and 2 were not readable yet.
        var orphan = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(
            EventCodec.Encode("inv-1", new RecordedEvent(3, Now, Add("sword")))));

        await Assert.ThrowsAsync<CorruptEventException>(() => Project([orphan]));

        var view = View("inv-1");
        Assert.Equal(0, view.Version);
        Assert.Empty(view.Items);
        Assert.Equal(1, view.FailedDeliveries);
        Assert.Null(view.Parked);
    }

    [Fact]
    public async Task Failed_deliveries_are_counted_on_the_stored_view_so_a_new_projector_instance_goes_on_counting()
    {
        var orphan = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(
            EventCodec.Encode("broken", new RecordedEvent(3, Now, Add("sword")))));
        IReadOnlyList<ChangedDocument> batch = EventCodec.ReadChanges([orphan]);

        // Each delivery by a new instance (a restart, or the lease moved): the count lives in the store, not in memory.
        for (var delivery = 1; delivery < InventoryProjector.MaxPermanentFailures; delivery++)
        {
            await Assert.ThrowsAsync<CorruptEventException>(() => NewProjector().ProjectAsync(batch, CancellationToken.None));
            Assert.Equal(delivery, View("broken").FailedDeliveries);
        }
        await NewProjector().ProjectAsync(batch, CancellationToken.None);

        Assert.NotNull(View("broken").Parked);
        Assert.Equal(0, View("broken").FailedDeliveries);
    }

    [Fact]
    public async Task A_delivery_that_applies_ends_the_count_of_failed_ones()
    {
        var orphan = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(
            EventCodec.Encode("inv-1", new RecordedEvent(3, Now, Add("sword")))));
        await Assert.ThrowsAsync<CorruptEventException>(() => Project([orphan]));
        Assert.Equal(1, View("inv-1").FailedDeliveries);

        // The log catches up (a replica was behind): the next delivery applies, and the count is over.
        await Project(_log.Append("inv-1", Add("sword"), Add("shield"), Add("sword")));

        Assert.Equal(0, View("inv-1").FailedDeliveries);
        AssertViewEqualsTheLog("inv-1");
    }

    // ---- Park, don't stall ----------------------------------------------------------------------------------------

    [Fact]
    public async Task A_hole_in_one_log_parks_that_inventory_after_three_deliveries_while_the_others_are_projected()
    {
        var projector = NewProjector();
        var orphan = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(
            EventCodec.Encode("broken", new RecordedEvent(3, Now, Add("sword")))));
        List<JsonElement> batch = [orphan, .. _log.Append("fine", Add("shield"))];
        Task Deliver() => projector.ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None);

        for (var delivery = 1; delivery < InventoryProjector.MaxPermanentFailures; delivery++)
        {
            await Assert.ThrowsAsync<CorruptEventException>(Deliver);
            Assert.Equal(1, View("fine").Version); // projected at the first delivery
            Assert.Equal((0L, delivery), (View("broken").Version, View("broken").FailedDeliveries));
        }
        await Deliver(); // the last attempt parks it, and the batch completes

        var parked = View("broken");
        Assert.Equal(0, parked.Version);
        Assert.Contains("missing", parked.Parked!.Reason, StringComparison.Ordinal);
        Assert.Equal(Now, parked.Parked.At);
        Assert.Contains(_poison.Messages, m => m.PartitionKey == "broken" && m.Reason.StartsWith("parked: ", StringComparison.Ordinal));
        Assert.Equal(1, View("fine").Version);
    }

    [Fact]
    public async Task A_view_the_store_refuses_parks_the_inventory_at_its_last_stored_version_and_later_events_wait()
    {
        var projector = NewProjector();
        await projector.ProjectAsync(EventCodec.ReadChanges([.. _log.Append("inv-1", Add("sword"))]), CancellationToken.None);
        _views.RefuseViewsPast(1);
        var refused = EventCodec.ReadChanges([.. _log.Append("inv-1", Add("sword", 2))]);

        for (var delivery = 1; delivery < InventoryProjector.MaxPermanentFailures; delivery++)
            await Assert.ThrowsAsync<ViewRejectedException>(() => projector.ProjectAsync(refused, CancellationToken.None));
        await projector.ProjectAsync(refused, CancellationToken.None);
        await projector.ProjectAsync(EventCodec.ReadChanges([.. _log.Append("inv-1", Add("shield"))]), CancellationToken.None);

        var view = View("inv-1");
        Assert.NotNull(view.Parked);
        // Nothing skipped silently, nothing applied past the failure.
        Assert.Equal(1, view.Version);
        Assert.Equal(Items(("sword", 1)), view.Items);
    }

    [Fact]
    public async Task A_rebuild_repairs_a_parked_view()
    {
        _log.Append("inv-1", Add("sword"), Add("shield"));
        _views.Put(InventoryView.Empty("inv-1") with { Parked = new Parking(Now, "a view the store refused") });

        var rebuilt = await NewProjector().RebuildAsync("inv-1", await ChangeBatch.FromLogAsync("inv-1", _log, CancellationToken.None), CancellationToken.None);

        Assert.Null(rebuilt.Parked);
        Assert.Null(View("inv-1").Parked);
        AssertViewEqualsTheLog("inv-1");
    }

    // ---- Failures and retries -----------------------------------------------------------------------------------

    [Fact]
    public async Task A_failure_between_read_and_write_followed_by_a_retry_counts_once()
    {
        await Project(_log.Append("inv-1", Add("sword")));
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        _views.FailNextWrite();

        await Assert.ThrowsAsync<TimeoutException>(() => Project(batch));
        Assert.Equal(1, View("inv-1").Version);

        await Project(batch);

        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("shield", 1), ("sword", 3)), View("inv-1").Items);
    }

    [Fact]
    public async Task A_write_whose_response_was_lost_is_not_applied_again_on_retry()
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        _views.LoseNextWriteResponse();

        await Assert.ThrowsAsync<TimeoutException>(() => Project(batch));
        _views.ResetCounts();
        await Project(batch);

        Assert.Equal(Items(("shield", 1), ("sword", 2)), View("inv-1").Items);
        Assert.Equal(0, _views.TotalWrites);
    }

    [Fact]
    public async Task A_failed_inventory_fails_the_invocation_and_the_redelivered_batch_completes_the_others_exactly_once()
    {
        var batch = new List<JsonElement>();
        batch.AddRange(_log.Append("inv-a", Add("sword")));
        batch.AddRange(_log.Append("inv-b", Add("shield")));
        batch.AddRange(_log.Append("inv-c", Add("bow")));
        _views.BeforeNextWrite(_ => Task.CompletedTask); // inv-a goes through
        _views.BeforeNextWrite(_ => throw new TimeoutException("Simulated: inv-b's write timed out."));

        await Assert.ThrowsAsync<TimeoutException>(() => Project(batch));
        await Project(batch);

        Assert.All(["inv-a", "inv-b", "inv-c"], id =>
        {
            Assert.Equal(1, View(id).Version);
            AssertViewEqualsTheLog(id);
        });
        Assert.Equal(1, _views.WritesOf("inv-a"));
    }

    // ---- Two projector instances ------------------------------------------------------------------------------------

    [Fact]
    public async Task When_another_projector_writes_between_read_and_write_the_projector_reads_again_and_is_still_correct()
    {
        await Project(_log.Append("inv-1", Add("sword")));
        var overlap = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        var mine = _log.Append("inv-1", Add("potion"));
        // Another instance, holding an older lease, projects versions 2-3 while this one is between read and write.
        _views.BeforeNextWrite(_ => NewProjector().ProjectAsync(EventCodec.ReadChanges(overlap), CancellationToken.None));

        await Project([.. overlap, .. mine]);

        Assert.Equal(4, View("inv-1").Version);
        Assert.Equal(Items(("potion", 1), ("shield", 1), ("sword", 3)), View("inv-1").Items);
        Assert.Equal(1, _views.RejectedWrites);
        Assert.Equal(1 + 2 + 1, _views.ReadsOf("inv-1")); // the first batch, this projector twice, the other one once
        AssertViewEqualsTheLog("inv-1");
    }

    [Fact]
    public async Task When_another_projector_got_there_first_with_everything_nothing_is_written_again()
    {
        var batch = _log.Append("inv-1", Add("sword"), Add("shield"));
        _views.BeforeNextWrite(_ => NewProjector().ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None));

        await Project(batch);

        Assert.Equal(1, _views.WritesOf("inv-1"));
        AssertViewEqualsTheLog("inv-1");
    }

    [Fact]
    public async Task A_view_that_keeps_changing_under_the_projector_fails_the_invocation_after_bounded_retries()
    {
        var batch = _log.Append("inv-1", Add("sword"));
        _views.BeforeEveryWrite(store =>
        {
            store.Put(InventoryView.Empty("inv-1"));
            return Task.CompletedTask;
        });

        await Assert.ThrowsAsync<ContentionException>(() => Project(batch));

        Assert.InRange(_views.ReadsOf("inv-1"), 2, 10);
        Assert.Equal(_views.ReadsOf("inv-1"), _views.RejectedWrites);
    }

    // ---- Corrupted views and rebuilds ------------------------------------------------------------------------------

    [Fact]
    public async Task A_view_document_that_cannot_be_read_is_replaced_by_the_fold_of_the_log_on_the_next_batch()
    {
        _log.Append("inv-1", Add("sword", 2), Add("shield"));
        _views.PutCorrupt("inv-1", """{"id":"view","inventoryId":"inv-1","version":"two"}""");

        await Project([_log.AppendOne("inv-1", Remove("sword"))]);

        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("shield", 1), ("sword", 1)), View("inv-1").Items);
        AssertViewEqualsTheLog("inv-1");
    }

    [Fact]
    public async Task Rebuild_replaces_a_wrong_view_with_the_fold_of_the_whole_log()
    {
        _log.Append("inv-1", Add("sword", 2), Add("shield"), Remove("sword"));
        _views.Put(InventoryView.Empty("inv-1").Apply(new RecordedEvent(1, Now, Add("bow", 99))));

        var rebuilt = await NewProjector().RebuildAsync("inv-1", await ChangeBatch.FromLogAsync("inv-1", _log, CancellationToken.None), CancellationToken.None);

        Assert.Equal(3, rebuilt.Version);
        Assert.Equal(Items(("shield", 1), ("sword", 1)), View("inv-1").Items);
    }

    [Fact]
    public async Task Rebuilding_an_inventory_without_events_stores_no_view()
    {
        var rebuilt = await NewProjector().RebuildAsync("ghost", await ChangeBatch.FromLogAsync("ghost", _log, CancellationToken.None), CancellationToken.None);

        Assert.Equal(0, rebuilt.Version);
        Assert.Null(_views.Find("ghost"));
        Assert.Equal(0, _views.TotalWrites);
    }

    [Fact]
    public async Task Rebuild_reports_and_skips_poison_documents_like_the_projector()
    {
        _log.AppendOne("inv-1", Add("sword"));
        _log.AppendRaw("inv-1", v => Undecodable("inv-1", v));
        _log.AppendOne("inv-1", Add("sword"));

        await NewProjector().RebuildAsync("inv-1", await ChangeBatch.FromLogAsync("inv-1", _log, CancellationToken.None), CancellationToken.None);

        Assert.Equal(("2", "inv-1"), (Assert.Single(_poison.Messages).DocumentId, _poison.Messages[0].PartitionKey));
        Assert.Equal(Items(("sword", 2)), View("inv-1").Items);
        Assert.Equal([2L], View("inv-1").SkippedVersions);
    }

    [Fact]
    public async Task Rebuild_racing_the_change_feed_still_ends_at_the_fold_of_the_log()
    {
        var first = _log.Append("inv-1", Add("sword"), Add("shield"));
        // The feed's projector writes between the rebuild's read and its write.
        _views.BeforeNextWrite(_ => NewProjector().ProjectAsync(EventCodec.ReadChanges(first), CancellationToken.None));

        await NewProjector().RebuildAsync("inv-1", await ChangeBatch.FromLogAsync("inv-1", _log, CancellationToken.None), CancellationToken.None);

        AssertViewEqualsTheLog("inv-1");
        Assert.Equal(1, _views.RejectedWrites);
    }

    // ---- Documents that are not events -----------------------------------------------------------------------------

    [Fact]
    public async Task Head_snapshot_and_idempotency_documents_are_ignored()
    {
        var events = _log.Append("inv-1", Add("sword", 2));
        var head = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(HeadDocument.Encode(
            "inv-1", Builders.State(1, ("sword", 2)), Now, "generation")));
        var shard = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(HeadShardDocument.Encode(
            "inv-1", HeadShardDocument.ShardOf("sword"), "generation", Builders.State(1, ("sword", 2)))));
        var idempotency = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(IdempotencyDocument.Encode(
            "inv-1", new IdempotencyRecord("key-1", "hash", 1, [new RecordedEvent(1, Now, Add("sword", 2))]), Now)));
        var snapshot = InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(SnapshotDocument.Encode(
            "inv-1", Builders.State(1, ("sword", 2)), Now)));
        var handWrittenHead = InMemoryEventLog.Document("""{"id":"head","inventoryId":"inv-2","kind":"head","state":{"version":9,"items":{"bow":9}}}""");

        await Project([head, shard, idempotency, snapshot, handWrittenHead]);
        Assert.Equal(0, _views.TotalReads + _views.TotalWrites);

        await Project([head, shard, .. events, idempotency, snapshot, handWrittenHead]);

        Assert.Equal(1, View("inv-1").Version);
        Assert.Equal(Items(("sword", 2)), View("inv-1").Items);
        Assert.Null(_views.Find("inv-2"));
        Assert.Empty(_poison.Messages);
    }

    // ---- Legacy shape -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Legacy_events_are_applied_as_quantity_one()
    {
        var batch = new List<JsonElement>
        {
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_ADDED", "sword")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_ADDED", "sword")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_ADDED", "shield")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_REMOVED", "sword")),
        };
        batch.Add(_log.AppendOne("inv-1", Add("shield", 3)));

        await Project(batch);

        Assert.Equal(5, View("inv-1").Version);
        Assert.Equal(Items(("shield", 4), ("sword", 1)), View("inv-1").Items);
        Assert.Empty(_poison.Messages);
    }

    [Fact]
    public async Task A_legacy_blind_removal_of_an_item_never_held_leaves_nothing_negative()
    {
        var batch = new List<JsonElement>
        {
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_REMOVED", "sword")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_ADDED", "sword")),
        };

        await Project(batch);

        Assert.Equal(Items(("sword", 1)), View("inv-1").Items);
    }

    // ---- Poison -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_poison_document_in_the_middle_reaches_the_queue_and_the_rest_of_the_batch_is_applied()
    {
        var batch = new List<JsonElement>
        {
            _log.AppendOne("inv-1", Add("sword")),
            _log.AppendOne("inv-2", Add("shield")),
            _log.AppendRaw("inv-1", v => Undecodable("inv-1", v)),
            _log.AppendOne("inv-1", Add("sword", 2)),
            _log.AppendOne("inv-2", Add("shield")),
        };

        await Project(batch);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal("2", message.DocumentId);
        Assert.Equal("inv-1", message.PartitionKey);
        Assert.Equal(2, message.Version);
        Assert.Contains("ItemExploded", message.Reason, StringComparison.Ordinal);
        Assert.Equal(Now, message.DetectedAt);

        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("sword", 3)), View("inv-1").Items);
        Assert.Equal([2L], View("inv-1").SkippedVersions);
        Assert.Equal(Items(("shield", 2)), View("inv-2").Items);
    }

    [Fact]
    public async Task A_poison_document_is_reported_once_however_often_its_batch_is_redelivered()
    {
        var batch = new List<JsonElement>
        {
            _log.AppendRaw("inv-1", v => Undecodable("inv-1", v)),
            _log.AppendOne("inv-1", Add("sword")),
        };

        await Project(batch);
        await Project(batch);
        await Project([batch[0]]);

        Assert.Single(_poison.Messages);
        Assert.Equal(2, View("inv-1").Version);
    }

    [Fact]
    public async Task A_poison_document_met_while_filling_a_gap_is_reported_and_skipped()
    {
        _log.Append("inv-1", Add("sword"));
        _log.AppendRaw("inv-1", v => Undecodable("inv-1", v));
        var late = _log.AppendOne("inv-1", Add("shield"));

        await Project([late]);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal(("2", "inv-1", 2L), (message.DocumentId, message.PartitionKey, message.Version));
        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("shield", 1), ("sword", 1)), View("inv-1").Items);
    }

    [Theory]
    [InlineData("""{"id":"7","inventoryId":"inv-1","version":1,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""", "does not match version")]
    [InlineData("""{"id":"1","inventoryId":"inv-1","version":1,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":0,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""", "quantity")]
    [InlineData("""{"id":"1","inventoryId":"inv-1","version":1,"type":"ItemAdded","schemaVersion":9,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""", "schemaVersion")]
    [InlineData("""{"id":"1","inventoryId":"inv-1","version":1,"type":"ITEM_ADDED","data":"sword","timestamp":"yesterday"}""", "timestamp")]
    public async Task Each_kind_of_undecodable_event_document_is_sent_to_the_poison_queue_with_its_reason(string json, string reason)
    {
        var poison = _log.AppendRaw("inv-1", _ => json);
        var next = _log.AppendOne("inv-1", Add("shield"));

        await Project([poison, next]);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal("inv-1", message.PartitionKey);
        Assert.Equal(1, message.Version);
        Assert.Contains(reason, message.Reason, StringComparison.Ordinal);
        Assert.Equal(Items(("shield", 1)), View("inv-1").Items);
    }

    [Fact]
    public async Task A_poison_document_without_an_inventory_or_a_usable_version_is_reported_and_the_batch_goes_on()
    {
        var noInventory = InMemoryEventLog.Document("""{"id":"1","version":1,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""");
        var negativeVersion = InMemoryEventLog.Document("""{"id":"-1","inventoryId":"inv-9","version":-1,"type":"ItemAdded"}""");
        var valid = _log.AppendOne("inv-1", Add("sword"));

        await Project([noInventory, negativeVersion, valid]);

        Assert.Equal(2, _poison.Messages.Count);
        Assert.Contains(_poison.Messages, m => m.DocumentId == "1" && m.PartitionKey is null);
        Assert.Contains(_poison.Messages, m => m.DocumentId == "-1" && m.PartitionKey == "inv-9" && m.Version is null);
        Assert.Equal(Items(("sword", 1)), View("inv-1").Items);
    }

    [Fact]
    public async Task A_poison_document_claiming_a_version_beyond_the_end_of_the_log_is_reported_and_does_not_block_the_feed()
    {
        // Written by hand (not by the app): its id does not match its version, and nothing precedes version 99.
        var junk = _log.Insert("inv-1", 99, """{"id":"junk","inventoryId":"inv-1","version":99,"type":"ItemAdded"}""");
        var batch = new List<JsonElement> { _log.AppendOne("inv-1", Add("sword")), junk, _log.AppendOne("inv-2", Add("shield")) };

        await Project(batch);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal(("junk", "inv-1", 99L), (message.DocumentId, message.PartitionKey, message.Version));
        Assert.Equal(Items(("sword", 1)), View("inv-1").Items);
        Assert.Equal(Items(("shield", 1)), View("inv-2").Items);

        // The inventory goes on: its next real event (version 2) is still applied.
        await Project([_log.AppendOne("inv-1", Add("sword"))]);
        Assert.Equal(Items(("sword", 2)), View("inv-1").Items);
    }

    [Fact]
    public async Task When_the_poison_queue_cannot_be_reached_the_invocation_fails_and_nothing_is_skipped()
    {
        var batch = new List<JsonElement>
        {
            _log.AppendOne("inv-1", Add("sword")),
            _log.AppendRaw("inv-1", v => Undecodable("inv-1", v)),
            _log.AppendOne("inv-1", Add("sword")),
        };
        _poison.FailNextSends();

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Project(batch));
        Assert.Null(_views.Find("inv-1"));

        await Project(batch);

        Assert.Single(_poison.Messages);
        Assert.Equal(3, View("inv-1").Version);
        Assert.Equal(Items(("sword", 2)), View("inv-1").Items);
    }

    // ---- Property: any delivery schedule gives the log's view --------------------------------------------------

    [Property(MaxTest = 200)]
    public Property Any_at_least_once_delivery_of_the_log_projects_to_the_fold_of_the_log() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(1, 40)),
            Arb.From(Gen.ArrayOf(Gen.Choose(0, 1000), 60)),
            (count, dice) =>
            {
                var views = new InMemoryProjectionStore();
                var log = new InMemoryEventLog();
                var projector = new InventoryProjector(views, log, new RecordingPoisonQueue(), _time, NullLogger<InventoryProjector>.Instance);
                var items = new[] { "sword", "shield", "potion" };
                var documents = Enumerable.Range(0, count)
                    .Select(i => log.AppendOne("inv-1", dice[i] % 4 == 0 ? Remove(items[dice[i] % 3]) : Add(items[dice[i] % 3], dice[i] % 5 + 1)))
                    .ToList();

                // Batches in feed order, each redelivering some earlier documents and sometimes dropping one (a gap).
                var position = 0;
                var roll = 0;
                while (position < documents.Count)
                {
                    var size = 1 + (dice[roll++ % dice.Length] % 6);
                    var batch = documents.Skip(position).Take(size).ToList();
                    if (dice[roll++ % dice.Length] % 4 == 0 && batch.Count > 1)
                        batch.RemoveAt(0);
                    batch.AddRange(documents.Take(position).Where((_, i) => dice[(roll + i) % dice.Length] % 5 == 0));
                    projector.ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None).GetAwaiter().GetResult();
                    position += size;
                }

                var expected = log.Events("inv-1").Aggregate(InventoryView.Empty("inv-1"), (v, e) => v.Apply(e));
                var view = views.Find("inv-1")!;
                Assert.Equal(count, view.Version);
                Assert.Equal(expected.Items, view.Items);
            });
}
