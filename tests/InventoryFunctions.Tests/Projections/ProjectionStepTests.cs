using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// The one projection step (<see cref="VersionedViewProjector"/>) against in-memory ports, for every per-inventory view:
/// each test runs for the inventory view, most collected and dwell time, and checks the view against its own oracle
/// over the log (the counts a plain tally gives, <c>Counter.most_common</c>, a first-in first-out pairing of units).
/// The change feed is played by hand: a batch is the list of documents the trigger would hand over, and
/// "redelivery" is calling the step again with documents it has seen.
/// </summary>
public class ProjectionStepTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Views => [ViewOracle.Inventory, ViewOracle.Collected, ViewOracle.DwellTime];

    private readonly InMemoryViewStore _views = new();
    private readonly InMemoryEventLog _log = new();
    private readonly RecordingPoisonQueue _poison = new();
    private readonly FakeTimeProvider _time = new(Now);

    private VersionedViewProjector Step(string view) => ViewOracle.Step([ViewOracle.KindOf(view)], _views, _log, _poison, _time);

    private Task Project(string view, IEnumerable<JsonElement> documents) => Step(view).ProjectAsync(EventCodec.ReadChanges([.. documents]), CancellationToken.None);

    private Task<IReadOnlyList<IVersionedView>> Rebuild(string view, string inventoryId) => ViewOracle.RebuildAsync(Step(view), _log, inventoryId);

    private static ItemAdded Add(string itemId, int quantity = 1) => new(itemId, quantity);

    private static ItemRemoved Remove(string itemId, int quantity = 1) => new(itemId, quantity);

    private IVersionedView View(string view, string inventoryId) => ViewOracle.Find(_views, view, inventoryId) ?? throw new Xunit.Sdk.XunitException($"No {view} view of {inventoryId}.");

    /// <summary>The stored view equals its oracle over the log up to <paramref name="version"/> (its last version when null).</summary>
    private Task AssertEqualsTheLog(string view, string inventoryId, long? version = null) => ViewOracle.AssertEqualsTheLog(_views, _log, view, inventoryId, version);

    private static JsonElement Orphan(string inventoryId, long version) =>
        InMemoryEventLog.Document(System.Text.Encoding.UTF8.GetString(EventCodec.Encode(inventoryId, new RecordedEvent(version, Now, new ItemAdded("sword", 1)))));

    private static string Legacy(long version, string type, string itemId) =>
        $$"""{"id":"{{version}}","inventoryId":"inv-1","version":{{version}},"type":"{{type}}","data":"{{itemId}}","timestamp":"2019-03-04T05:06:07.123456"}""";

    private static string Undecodable(string inventoryId, long version) =>
        $$"""{"id":"{{version}}","inventoryId":"{{inventoryId}}","version":{{version}},"type":"ItemExploded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""";

    // ---- Applying a batch --------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task A_batch_is_applied_in_version_order_with_one_read_and_one_write(string view)
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"), Remove("sword"), Add("potion", 3));

        await Project(view, batch);

        await AssertEqualsTheLog(view, "inv-1", 4);
        Assert.Equal((1, 1), (_views.ReadsOf("inv-1"), _views.WritesOf("inv-1")));
        if (View(view, "inv-1") is InventoryView inventory)
            Assert.Equal(InMemoryEventLog.Start.AddSeconds(4), inventory.UpdatedAt);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Documents_of_one_inventory_out_of_order_in_a_batch_are_still_applied_in_version_order(string view)
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Remove("sword", 2), Add("sword"));

        await Project(view, [batch[2], batch[0], batch[1]]);

        await AssertEqualsTheLog(view, "inv-1", 3);
        Assert.Empty(_log.RangeReads);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Fifty_events_of_one_inventory_cost_one_read_and_one_write(string view)
    {
        var batch = Enumerable.Range(0, 50).Select(i => _log.AppendOne("inv-1", i % 5 == 4 ? Remove($"item-{i % 7}") : Add($"item-{i % 7}", i + 1))).ToList();

        await Project(view, batch);

        await AssertEqualsTheLog(view, "inv-1", 50);
        Assert.Equal((1, 1), (_views.ReadsOf("inv-1"), _views.WritesOf("inv-1")));
        Assert.Empty(_log.RangeReads);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_batch_covering_several_inventories_projects_each_with_one_read_and_one_write(string view)
    {
        var batch = new List<JsonElement>();
        for (var round = 0; round < 3; round++)
        {
            batch.Add(_log.AppendOne("inv-a", Add("sword")));
            batch.Add(_log.AppendOne("inv-b", Add("shield", 2)));
            batch.Add(_log.AppendOne("inv-c", round == 0 ? Add("bow") : Remove("bow")));
        }

        await Project(view, batch);

        foreach (var id in new[] { "inv-a", "inv-b", "inv-c" })
        {
            await AssertEqualsTheLog(view, id, 3);
            Assert.Equal((1, 1), (_views.ReadsOf(id), _views.WritesOf(id)));
        }
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_batch_extends_the_view_it_finds(string view)
    {
        await Project(view, _log.Append("inv-1", Add("sword"), Add("shield")));

        await Project(view, _log.Append("inv-1", Add("sword"), Remove("shield")));

        await AssertEqualsTheLog(view, "inv-1", 4);
        Assert.Equal(2, _views.WritesOf("inv-1"));
    }

    // ---- At least once: redelivery and duplicates ---------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task The_same_batch_delivered_twice_counts_once_and_the_second_delivery_writes_nothing(string view)
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        batch.AddRange(_log.Append("inv-2", Add("potion")));
        await Project(view, batch);
        _views.ResetCounts();

        await Project(view, batch);

        await AssertEqualsTheLog(view, "inv-1", 2);
        await AssertEqualsTheLog(view, "inv-2", 1);
        Assert.Equal(0, _views.TotalWrites);
        Assert.Equal(2, _views.TotalReads);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_duplicate_older_event_after_newer_ones_changes_nothing_and_writes_nothing(string view)
    {
        var batch = _log.Append("inv-1", Add("sword"), Add("shield"), Add("sword"));
        await Project(view, batch);
        _views.ResetCounts();

        await Project(view, [batch[1]]);

        await AssertEqualsTheLog(view, "inv-1", 3);
        Assert.Equal(0, _views.TotalWrites);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Old_duplicates_mixed_with_new_events_apply_only_the_new_ones(string view)
    {
        var first = _log.Append("inv-1", Add("sword"), Add("shield"));
        await Project(view, first);

        var next = _log.AppendOne("inv-1", Add("sword", 5));
        await Project(view, [first[1], next, first[0], next]);

        await AssertEqualsTheLog(view, "inv-1", 3);
        Assert.Empty(_log.RangeReads);
    }

    // ---- Gaps ---------------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task A_gap_in_the_batch_is_filled_from_the_log_with_one_range_read(string view)
    {
        await Project(view, _log.Append("inv-1", Add("sword"), Add("shield")));
        _log.Append("inv-1", Add("sword", 2), Remove("shield")); // versions 3 and 4: not delivered
        var late = _log.Append("inv-1", Add("potion"), Add("sword"));

        await Project(view, late);

        Assert.Equal([("inv-1", 3L, 6L)], _log.RangeReads);
        await AssertEqualsTheLog(view, "inv-1", 6);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_first_delivery_that_starts_mid_stream_reads_the_beginning_from_the_log(string view)
    {
        _log.Append("inv-1", Add("sword"), Add("shield"));
        var late = _log.AppendOne("inv-1", Add("sword"));

        await Project(view, [late]);

        await AssertEqualsTheLog(view, "inv-1", 3);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_gap_the_log_cannot_fill_fails_the_invocation_applies_nothing_and_counts_the_failed_delivery(string view)
    {
        // Version 3 only: as if versions 1 and 2 were not readable yet.
        await Assert.ThrowsAsync<CorruptEventException>(() => Project(view, [Orphan("inv-1", 3)]));

        var stored = View(view, "inv-1");
        Assert.Equal((0L, 1), (stored.Version, stored.FailedDeliveries));
        Assert.Null(stored.Parked);
        await AssertEqualsTheLog(view, "inv-1", 0);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Failed_deliveries_are_counted_on_the_stored_view_so_a_new_step_instance_goes_on_counting(string view)
    {
        IReadOnlyList<ChangedDocument> batch = EventCodec.ReadChanges([Orphan("broken", 3)]);

        // Each delivery by a new instance (a restart, or the lease moved): the count lives in the store, not in memory.
        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
        {
            await Assert.ThrowsAsync<CorruptEventException>(() => Step(view).ProjectAsync(batch, CancellationToken.None));
            Assert.Equal(delivery, View(view, "broken").FailedDeliveries);
        }
        await Step(view).ProjectAsync(batch, CancellationToken.None);

        Assert.NotNull(View(view, "broken").Parked);
        Assert.Equal(0, View(view, "broken").FailedDeliveries);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_delivery_that_applies_ends_the_count_of_failed_ones(string view)
    {
        await Assert.ThrowsAsync<CorruptEventException>(() => Project(view, [Orphan("inv-1", 3)]));
        Assert.Equal(1, View(view, "inv-1").FailedDeliveries);

        // The log catches up (a replica was behind): the next delivery applies, and the count is over.
        await Project(view, _log.Append("inv-1", Add("sword"), Add("shield"), Add("sword")));

        Assert.Equal(0, View(view, "inv-1").FailedDeliveries);
        await AssertEqualsTheLog(view, "inv-1", 3);
    }

    // ---- Park, don't stall ----------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task A_hole_in_one_log_parks_that_inventory_after_three_deliveries_while_the_others_are_projected(string view)
    {
        var step = Step(view);
        List<JsonElement> batch = [Orphan("broken", 3), .. _log.Append("fine", Add("shield"))];
        Task Deliver() => step.ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None);

        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
        {
            await Assert.ThrowsAsync<CorruptEventException>(Deliver);
            await AssertEqualsTheLog(view, "fine", 1); // projected at the first delivery
            Assert.Equal((0L, delivery), (View(view, "broken").Version, View(view, "broken").FailedDeliveries));
        }
        await Deliver(); // the last attempt parks it, and the batch completes

        var parked = View(view, "broken");
        Assert.Equal(0, parked.Version);
        Assert.Contains("missing", parked.Parked!.Reason, StringComparison.Ordinal);
        Assert.Equal(Now, parked.Parked.At);
        Assert.Equal(0, parked.FailedDeliveries);
        Assert.Single(_poison.Messages, m => m.PartitionKey == "broken" && m.Reason.StartsWith("parked: ", StringComparison.Ordinal));
        await AssertEqualsTheLog(view, "fine", 1);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_view_the_store_refuses_parks_the_inventory_at_its_last_stored_version_and_later_events_wait(string view)
    {
        var step = Step(view);
        await step.ProjectAsync(EventCodec.ReadChanges([.. _log.Append("inv-1", Add("sword"))]), CancellationToken.None);
        _views.RefuseViewsPast(1);
        var refused = EventCodec.ReadChanges([.. _log.Append("inv-1", Add("sword", 2))]);

        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
            await Assert.ThrowsAsync<ViewRejectedException>(() => step.ProjectAsync(refused, CancellationToken.None));
        await step.ProjectAsync(refused, CancellationToken.None);
        await step.ProjectAsync(EventCodec.ReadChanges([.. _log.Append("inv-1", Add("shield"))]), CancellationToken.None);

        // Nothing skipped silently, nothing applied past the failure.
        Assert.NotNull(View(view, "inv-1").Parked);
        await AssertEqualsTheLog(view, "inv-1", 1);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_parked_view_applies_nothing_more_until_a_rebuild_after_the_repair_releases_it(string view)
    {
        var batch = EventCodec.ReadChanges([Orphan("broken", 3)]);
        for (var delivery = 1; delivery < PermanentFailure.MaxDeliveries; delivery++)
            await Assert.ThrowsAnyAsync<Exception>(() => Step(view).ProjectAsync(batch, CancellationToken.None));
        await Step(view).ProjectAsync(batch, CancellationToken.None);

        // The repair: the log now holds versions 1-3. Deliveries of them change nothing on the parked view.
        await Project(view, _log.Append("broken", Add("sword", 2), Remove("sword"), Add("bow")));
        Assert.Equal(0, View(view, "broken").Version);

        var rebuilt = Assert.Single(await Rebuild(view, "broken"));

        Assert.Null(rebuilt.Parked);
        Assert.Null(View(view, "broken").Parked);
        await AssertEqualsTheLog(view, "broken", 3);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_rebuild_repairs_a_view_parked_without_events(string view)
    {
        _log.Append("inv-1", Add("sword"), Add("shield"));
        var kind = ViewOracle.KindOf(view);
        _views.Put(kind.WithFailures(kind.Empty("inv-1"), 0, new Parking(Now, "a view the store refused")));

        var rebuilt = Assert.Single(await Rebuild(view, "inv-1"));

        Assert.Null(rebuilt.Parked);
        Assert.Null(View(view, "inv-1").Parked);
        await AssertEqualsTheLog(view, "inv-1", 2);
    }

    // ---- Failures and retries -----------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task A_failure_between_read_and_write_followed_by_a_retry_counts_once(string view)
    {
        await Project(view, _log.Append("inv-1", Add("sword")));
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        _views.FailNextWrite();

        await Assert.ThrowsAsync<TimeoutException>(() => Project(view, batch));
        await AssertEqualsTheLog(view, "inv-1", 1);

        await Project(view, batch);

        await AssertEqualsTheLog(view, "inv-1", 3);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_write_whose_response_was_lost_is_not_applied_again_on_retry(string view)
    {
        var batch = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        _views.LoseNextWriteResponse();

        await Assert.ThrowsAsync<TimeoutException>(() => Project(view, batch));
        _views.ResetCounts();
        await Project(view, batch);

        await AssertEqualsTheLog(view, "inv-1", 2);
        Assert.Equal(0, _views.TotalWrites);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_failed_inventory_fails_the_invocation_and_the_redelivered_batch_completes_the_others_exactly_once(string view)
    {
        var batch = new List<JsonElement>();
        batch.AddRange(_log.Append("inv-a", Add("sword")));
        batch.AddRange(_log.Append("inv-b", Add("shield")));
        batch.AddRange(_log.Append("inv-c", Add("bow")));
        _views.BeforeNextWrite(_ => Task.CompletedTask); // inv-a goes through
        _views.BeforeNextWrite(_ => throw new TimeoutException("Simulated: inv-b's write timed out."));

        await Assert.ThrowsAsync<TimeoutException>(() => Project(view, batch));
        await Project(view, batch);

        foreach (var id in new[] { "inv-a", "inv-b", "inv-c" })
            await AssertEqualsTheLog(view, id, 1);
        Assert.Equal(1, _views.WritesOf("inv-a"));
    }

    // ---- Two step instances -------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task When_another_instance_writes_between_read_and_write_the_step_reads_again_and_is_still_correct(string view)
    {
        await Project(view, _log.Append("inv-1", Add("sword")));
        var overlap = _log.Append("inv-1", Add("sword", 2), Add("shield"));
        var mine = _log.Append("inv-1", Remove("sword"));
        // Another instance, holding an older lease, projects versions 2-3 while this one is between read and write.
        _views.BeforeNextWrite(_ => Step(view).ProjectAsync(EventCodec.ReadChanges(overlap), CancellationToken.None));

        await Project(view, [.. overlap, .. mine]);

        Assert.Equal(1, _views.RejectedWrites);
        Assert.Equal(1 + 2 + 1, _views.ReadsOf("inv-1")); // the first batch, this step twice, the other one once
        await AssertEqualsTheLog(view, "inv-1", 4);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task When_another_instance_got_there_first_with_everything_nothing_is_written_again(string view)
    {
        var batch = _log.Append("inv-1", Add("sword"), Add("shield"));
        _views.BeforeNextWrite(_ => Step(view).ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None));

        await Project(view, batch);

        Assert.Equal(1, _views.WritesOf("inv-1"));
        await AssertEqualsTheLog(view, "inv-1", 2);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_view_that_keeps_changing_under_the_step_fails_the_invocation_after_bounded_retries(string view)
    {
        var batch = _log.Append("inv-1", Add("sword"));
        var kind = ViewOracle.KindOf(view);
        _views.BeforeEveryWrite(store =>
        {
            store.Put(kind.Empty("inv-1"));
            return Task.CompletedTask;
        });

        await Assert.ThrowsAsync<ContentionException>(() => Project(view, batch));

        Assert.InRange(_views.ReadsOf("inv-1"), 2, 10);
        Assert.Equal(_views.ReadsOf("inv-1"), _views.RejectedWrites);
    }

    // ---- Corrupted views and rebuilds ------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task A_view_document_that_cannot_be_read_is_replaced_by_the_fold_of_the_log_on_the_next_batch(string view)
    {
        _log.Append("inv-1", Add("sword", 2), Add("shield"));
        _views.Put("inv-1", ViewOracle.RootIdOf(view), $$"""{"id":"{{ViewOracle.RootIdOf(view)}}","inventoryId":"inv-1","version":"two"}""");

        await Project(view, [_log.AppendOne("inv-1", Remove("sword"))]);

        await AssertEqualsTheLog(view, "inv-1", 3);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Rebuild_replaces_a_wrong_view_with_the_fold_of_the_whole_log(string view)
    {
        _log.Append("inv-1", Add("sword", 2), Add("shield"), Remove("sword"));
        var kind = ViewOracle.KindOf(view);
        var wrong = new RecordedEvent(1, Now, Add("bow", 99));
        _views.Put(kind.Apply(kind.WithEmptyParts(kind.Empty("inv-1"), kind.PartsFor(wrong)), wrong));

        var rebuilt = Assert.Single(await Rebuild(view, "inv-1"));

        Assert.Equal(3, rebuilt.Version);
        await AssertEqualsTheLog(view, "inv-1", 3);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Rebuilding_an_inventory_without_events_stores_no_view(string view)
    {
        var rebuilt = Assert.Single(await Rebuild(view, "ghost"));

        Assert.Equal(0, rebuilt.Version);
        Assert.Null(ViewOracle.Find(_views, view, "ghost"));
        Assert.Equal(0, _views.TotalWrites);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Rebuild_reports_and_skips_poison_documents_like_the_change_feed(string view)
    {
        _log.AppendOne("inv-1", Add("sword"));
        _log.AppendRaw("inv-1", v => Undecodable("inv-1", v));
        _log.AppendOne("inv-1", Add("sword"));

        await Rebuild(view, "inv-1");

        Assert.Equal(("2", "inv-1"), (Assert.Single(_poison.Messages).DocumentId, _poison.Messages[0].PartitionKey));
        await AssertEqualsTheLog(view, "inv-1", 3);
        Assert.Equal([2L], ViewOracle.SkippedVersions(View(view, "inv-1")) ?? [2L]);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Rebuild_racing_the_change_feed_still_ends_at_the_fold_of_the_log(string view)
    {
        var first = _log.Append("inv-1", Add("sword"), Add("shield"));
        // The feed's step writes between the rebuild's read and its write.
        _views.BeforeNextWrite(_ => Step(view).ProjectAsync(EventCodec.ReadChanges(first), CancellationToken.None));

        await Rebuild(view, "inv-1");

        await AssertEqualsTheLog(view, "inv-1", 2);
        Assert.Equal(1, _views.RejectedWrites);
    }

    // ---- Documents that are not events, legacy shapes ----------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task Head_snapshot_and_idempotency_documents_are_ignored(string view)
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

        await Project(view, [head, shard, idempotency, snapshot, handWrittenHead]);
        Assert.Equal(0, _views.TotalReads + _views.TotalWrites);

        await Project(view, [head, shard, .. events, idempotency, snapshot, handWrittenHead]);

        await AssertEqualsTheLog(view, "inv-1", 1);
        Assert.Null(ViewOracle.Find(_views, view, "inv-2"));
        Assert.Empty(_poison.Messages);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Legacy_events_are_applied_as_quantity_one_and_a_blind_removal_of_an_item_never_held_leaves_nothing_negative(string view)
    {
        var batch = new List<JsonElement>
        {
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_REMOVED", "bow")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_ADDED", "sword")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_ADDED", "sword")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_ADDED", "shield")),
            _log.AppendRaw("inv-1", v => Legacy(v, "ITEM_REMOVED", "sword")),
        };
        batch.Add(_log.AppendOne("inv-1", Add("shield", 3)));

        await Project(view, batch);

        await AssertEqualsTheLog(view, "inv-1", 6);
        Assert.Empty(_poison.Messages);
        if (View(view, "inv-1") is InventoryView inventory)
            Assert.Equal(new Dictionary<string, int> { ["shield"] = 4, ["sword"] = 1 }, inventory.Items);
    }

    // ---- Poison -------------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Views))]
    public async Task A_poison_document_in_the_middle_reaches_the_queue_and_the_rest_of_the_batch_is_applied(string view)
    {
        var batch = new List<JsonElement>
        {
            _log.AppendOne("inv-1", Add("sword")),
            _log.AppendOne("inv-2", Add("shield")),
            _log.AppendRaw("inv-1", v => Undecodable("inv-1", v)),
            _log.AppendOne("inv-1", Add("sword", 2)),
            _log.AppendOne("inv-2", Remove("shield")),
        };

        await Project(view, batch);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal(("2", "inv-1", 2L), (message.DocumentId, message.PartitionKey, message.Version));
        Assert.Contains("ItemExploded", message.Reason, StringComparison.Ordinal);
        Assert.Equal(Now, message.DetectedAt);
        await AssertEqualsTheLog(view, "inv-1", 3);
        await AssertEqualsTheLog(view, "inv-2", 2);
        Assert.Equal([2L], ViewOracle.SkippedVersions(View(view, "inv-1")) ?? [2L]);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_poison_document_is_reported_once_however_often_its_batch_is_redelivered(string view)
    {
        var batch = new List<JsonElement>
        {
            _log.AppendRaw("inv-1", v => Undecodable("inv-1", v)),
            _log.AppendOne("inv-1", Add("sword")),
        };

        await Project(view, batch);
        await Project(view, batch);
        await Project(view, [batch[0]]);

        Assert.Single(_poison.Messages);
        await AssertEqualsTheLog(view, "inv-1", 2);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_poison_document_met_while_filling_a_gap_is_reported_and_skipped(string view)
    {
        _log.Append("inv-1", Add("sword"));
        _log.AppendRaw("inv-1", v => Undecodable("inv-1", v));
        var late = _log.AppendOne("inv-1", Add("shield"));

        await Project(view, [late]);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal(("2", "inv-1", 2L), (message.DocumentId, message.PartitionKey, message.Version));
        await AssertEqualsTheLog(view, "inv-1", 3);
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

        await Project(ViewOracle.Inventory, [poison, next]);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal(("inv-1", 1L), (message.PartitionKey, message.Version));
        Assert.Contains(reason, message.Reason, StringComparison.Ordinal);
        await AssertEqualsTheLog(ViewOracle.Inventory, "inv-1", 2);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_poison_document_without_an_inventory_or_a_usable_version_is_reported_and_the_batch_goes_on(string view)
    {
        var noInventory = InMemoryEventLog.Document("""{"id":"1","version":1,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""");
        var negativeVersion = InMemoryEventLog.Document("""{"id":"-1","inventoryId":"inv-9","version":-1,"type":"ItemAdded"}""");
        var valid = _log.AppendOne("inv-1", Add("sword"));

        await Project(view, [noInventory, negativeVersion, valid]);

        Assert.Equal(2, _poison.Messages.Count);
        Assert.Contains(_poison.Messages, m => m.DocumentId == "1" && m.PartitionKey is null);
        Assert.Contains(_poison.Messages, m => m.DocumentId == "-1" && m.PartitionKey == "inv-9" && m.Version is null);
        await AssertEqualsTheLog(view, "inv-1", 1);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task A_poison_document_claiming_a_version_beyond_the_end_of_the_log_is_reported_and_does_not_block_the_feed(string view)
    {
        // Written by hand (not by the app): its id does not match its version, and nothing precedes version 99.
        var junk = _log.Insert("inv-1", 99, """{"id":"junk","inventoryId":"inv-1","version":99,"type":"ItemAdded"}""");
        var batch = new List<JsonElement> { _log.AppendOne("inv-1", Add("sword")), junk, _log.AppendOne("inv-2", Add("shield")) };

        await Project(view, batch);

        var message = Assert.Single(_poison.Messages);
        Assert.Equal(("junk", "inv-1", 99L), (message.DocumentId, message.PartitionKey, message.Version));
        await AssertEqualsTheLog(view, "inv-1", 1);
        await AssertEqualsTheLog(view, "inv-2", 1);

        // The inventory goes on: its next real event (version 2) is still applied.
        await Project(view, [_log.AppendOne("inv-1", Add("sword"))]);
        await AssertEqualsTheLog(view, "inv-1", 2);
    }

    [Theory, MemberData(nameof(Views))]
    public async Task When_the_poison_queue_cannot_be_reached_the_invocation_fails_and_nothing_is_skipped(string view)
    {
        var batch = new List<JsonElement>
        {
            _log.AppendOne("inv-1", Add("sword")),
            _log.AppendRaw("inv-1", v => Undecodable("inv-1", v)),
            _log.AppendOne("inv-1", Add("sword")),
        };
        _poison.FailNextSends();

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Project(view, batch));
        Assert.Null(ViewOracle.Find(_views, view, "inv-1"));

        await Project(view, batch);

        Assert.Single(_poison.Messages);
        await AssertEqualsTheLog(view, "inv-1", 3);
    }

    // ---- Property: any delivery schedule gives the log's view --------------------------------------------------

    [Property(MaxTest = 100)]
    public Property Any_at_least_once_delivery_of_the_log_projects_every_view_to_its_oracle() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(1, 40)),
            Arb.From(Gen.ArrayOf(Gen.Choose(0, 1000), 60)),
            (count, dice) =>
            {
                var views = new InMemoryViewStore();
                var log = new InMemoryEventLog();
                // The three views through two steps, as the functions run them: one for the inventory view and most
                // collected together, one for dwell time.
                VersionedViewProjector[] steps =
                [
                    ViewOracle.Step([ViewProjectors.Inventory, ViewProjectors.Collected], views, log, new RecordingPoisonQueue(), _time),
                    ViewOracle.Step([ViewProjectors.DwellTime], views, log, null, _time),
                ];
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
                    foreach (var step in steps)
                        step.ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None).GetAwaiter().GetResult();
                    position += size;
                }

                foreach (var view in new[] { ViewOracle.Inventory, ViewOracle.Collected, ViewOracle.DwellTime })
                    ViewOracle.AssertEqualsTheLog(views, log, view, "inv-1", count).GetAwaiter().GetResult();
            });
}
