using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Application;

/// <summary>
/// The service against the in-memory store: load, decide, append; conflicts reload and decide again;
/// a head behind its log is caught up; idempotency keys replay the first answer.
/// </summary>
/// <remarks>
/// The service waits a few milliseconds on the <see cref="TimeProvider"/> between conflicting attempts, so the tests
/// that provoke conflicts run on <see cref="TimeProvider.System"/>; the others pin the clock with a <see cref="FakeTimeProvider"/>.
/// </remarks>
public class InventoryServiceTests
{
    private const string Inv = "inv-1";
    private static readonly DateTimeOffset Noon = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Noon);
    private readonly InMemoryEventStore _store = new();

    private InventoryService Service(TimeProvider? time = null) =>
        new(_store, time ?? _clock, NullLogger<InventoryService>.Instance);

    private Task<CommandOutcome> Handle(InventoryCommand command, long? expectedVersion = null, string? key = null, TimeProvider? time = null) =>
        Service(time).HandleAsync(new CommandRequest(Inv, command, expectedVersion, key), CancellationToken.None);

    private InventoryState StateFromLog() => Inventory.Fold(InventoryState.Empty, _store.Log(Inv));


    // ---- Happy paths -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Adding_to_a_new_inventory_appends_ItemAdded_at_version_1_with_the_head()
    {
        var outcome = await Handle(new AddItem("sword", 2));

        var appended = Assert.IsType<CommandOutcome.Appended>(outcome);
        Assert.Equal(1, appended.Version);
        Assert.False(appended.Replayed);
        Assert.Equal([new RecordedEvent(1, Noon, new ItemAdded("sword", 2))], appended.Events);
        Assert.Equal(appended.Events, _store.Log(Inv));
        Assert.Equal(Builders.State(1, ("sword", 2)), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task Removing_held_items_appends_ItemRemoved_at_the_next_version()
    {
        _store.Write(Inv, new ItemAdded("sword", 3), new ItemAdded("shield", 1));
        _clock.Advance(TimeSpan.FromMinutes(5));

        var outcome = await Handle(new RemoveItem("sword", 2));

        var appended = Assert.IsType<CommandOutcome.Appended>(outcome);
        Assert.Equal(3, appended.Version);
        Assert.Equal([new RecordedEvent(3, Noon.AddMinutes(5), new ItemRemoved("sword", 2))], appended.Events);
        Assert.Equal(3, _store.Log(Inv).Count);
        Assert.Equal(Builders.State(3, ("shield", 1), ("sword", 1)), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task A_batch_is_appended_in_order_in_one_append()
    {
        var outcome = await Handle(new AppendEvents([new ItemAdded("a", 2), new ItemRemoved("a", 1), new ItemAdded("b", 1)]));

        var appended = Assert.IsType<CommandOutcome.Appended>(outcome);
        Assert.Equal(3, appended.Version);
        Assert.Equal([1L, 2L, 3L], appended.Events.Select(e => e.Version));
        Assert.Equal(1, _store.AppendCalls);
        Assert.Equal(Builders.State(3, ("a", 1), ("b", 1)), _store.Head(Inv)!.State);
    }

    // ---- Rejections ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Removing_more_than_held_is_rejected_and_writes_nothing()
    {
        var head = _store.Write(Inv, new ItemAdded("sword", 2));

        var outcome = await Handle(new RemoveItem("sword", 3));

        Assert.Equal(new CommandOutcome.Rejected(new InsufficientQuantity("sword", 3, 2)), outcome);
        Assert.Single(_store.Log(Inv));
        Assert.Equal(head, _store.Head(Inv));
        Assert.Equal(0, _store.AppendCalls);
    }

    [Fact]
    public async Task A_batch_whose_second_event_would_go_negative_is_rejected_whole()
    {
        var head = _store.Write(Inv, new ItemAdded("a", 1));

        var outcome = await Handle(new AppendEvents([new ItemAdded("b", 1), new ItemRemoved("a", 2)]));

        Assert.Equal(new CommandOutcome.Rejected(new InsufficientQuantity("a", 2, 1)), outcome);
        Assert.Single(_store.Log(Inv));
        Assert.Equal(head, _store.Head(Inv));
    }

    // ---- Expected version (If-Match) ------------------------------------------------------------------------------

    [Fact]
    public async Task An_expected_version_that_matches_appends()
    {
        _store.Write(Inv, new ItemAdded("sword", 1), new ItemAdded("sword", 1));

        var outcome = await Handle(new AddItem("sword", 1), expectedVersion: 2);

        Assert.Equal(3, Assert.IsType<CommandOutcome.Appended>(outcome).Version);
        Assert.Equal(3, _store.Log(Inv).Count);
    }

    [Fact]
    public async Task An_expected_version_that_does_not_match_is_a_mismatch_and_writes_nothing()
    {
        var head = _store.Write(Inv, new ItemAdded("sword", 1), new ItemAdded("sword", 1));

        var behind = await Handle(new AddItem("sword", 1), expectedVersion: 1);
        var ahead = await Handle(new AddItem("sword", 1), expectedVersion: 7);

        Assert.Equal(new CommandOutcome.VersionMismatch(1, 2), behind);
        Assert.Equal(new CommandOutcome.VersionMismatch(7, 2), ahead);
        Assert.Equal(2, _store.Log(Inv).Count);
        Assert.Equal(head, _store.Head(Inv));
        Assert.Equal(0, _store.AppendCalls);
    }

    [Fact]
    public async Task Expected_version_0_creates_a_new_inventory()
    {
        var outcome = await Handle(new AddItem("sword", 1), expectedVersion: 0);

        Assert.Equal(1, Assert.IsType<CommandOutcome.Appended>(outcome).Version);
    }

    [Fact]
    public async Task Expected_version_0_on_an_existing_inventory_is_a_mismatch()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));

        var outcome = await Handle(new AddItem("sword", 1), expectedVersion: 0);

        Assert.Equal(new CommandOutcome.VersionMismatch(0, 1), outcome);
        Assert.Single(_store.Log(Inv));
    }

    [Fact]
    public async Task Expected_version_0_on_an_inventory_that_has_events_but_no_head_is_a_mismatch()
    {
        _store.Import(Inv, new ItemAdded("sword", 1));

        var outcome = await Handle(new AddItem("sword", 1), expectedVersion: 0);

        Assert.Equal(new CommandOutcome.VersionMismatch(0, 1), outcome);
        Assert.Single(_store.Log(Inv));
        Assert.Null(_store.Head(Inv));
    }

    [Fact]
    public async Task An_expected_version_ahead_of_a_lagging_head_is_checked_against_the_log()
    {
        _store.Write(Inv, new ItemAdded("sword", 1), new ItemAdded("sword", 1), new ItemAdded("sword", 1));
        _store.RewindHead(Inv, 1);

        var outcome = await Handle(new RemoveItem("sword", 3), expectedVersion: 3);

        var appended = Assert.IsType<CommandOutcome.Appended>(outcome);
        Assert.Equal(4, appended.Version);
        Assert.Equal(Builders.State(4), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task A_conflict_on_a_request_with_an_expected_version_is_a_mismatch_and_writes_nothing()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        _store.BeforeNextAppend(s => s.Write(Inv, new ItemAdded("shield", 1)));

        var outcome = await Handle(new AddItem("sword", 1), expectedVersion: 1, time: TimeProvider.System);

        Assert.Equal(new CommandOutcome.VersionMismatch(1, 2), outcome);
        Assert.Equal([new ItemAdded("sword", 1), new ItemAdded("shield", 1)], _store.Log(Inv).Select(e => e.Event));
    }

    // ---- Conflicts ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_conflict_reloads_the_head_and_decides_again()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        _store.BeforeNextAppend(s => s.Write(Inv, new ItemAdded("shield", 1)));

        var outcome = await Handle(new AddItem("sword", 2), time: TimeProvider.System);

        var appended = Assert.IsType<CommandOutcome.Appended>(outcome);
        Assert.Equal(3, appended.Version);
        Assert.Equal(new ItemAdded("sword", 2), Assert.Single(appended.Events).Event);
        Assert.Equal(2, _store.AppendCalls);
        Assert.Equal(1, _store.RefreshCalls);
        Assert.Equal([1L, 2L, 3L], _store.Log(Inv).Select(e => e.Version));
        Assert.Equal(Builders.State(3, ("shield", 1), ("sword", 3)), _store.Head(Inv)!.State);
        Assert.Equal(StateFromLog(), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task A_conflict_that_took_the_items_turns_a_remove_into_a_rejection()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        _store.BeforeNextAppend(s => s.Write(Inv, new ItemRemoved("sword", 1)));

        var outcome = await Handle(new RemoveItem("sword", 1), time: TimeProvider.System);

        Assert.Equal(new CommandOutcome.Rejected(new InsufficientQuantity("sword", 1, 0)), outcome);
        Assert.Equal([new ItemAdded("sword", 1), new ItemRemoved("sword", 1)], _store.Log(Inv).Select(e => e.Event));
    }

    [Fact]
    public async Task Persistent_conflicts_give_up_after_MaxAttempts_with_nothing_of_ours_written()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        _store.BeforeEveryAppend(s => s.Write(Inv, new ItemAdded("rival", 1)));

        var outcome = await Handle(new AddItem("sword", 5), time: TimeProvider.System);

        Assert.Equal(new CommandOutcome.TooMuchContention(InventoryService.MaxAttempts), outcome);
        Assert.Equal(InventoryService.MaxAttempts, _store.AppendCalls);
        var log = _store.Log(Inv);
        Assert.Equal(1 + InventoryService.MaxAttempts, log.Count);
        Assert.DoesNotContain(new ItemAdded("sword", 5), log.Select(e => e.Event));
        Assert.Equal(Builders.State(1 + InventoryService.MaxAttempts, ("rival", InventoryService.MaxAttempts), ("sword", 1)), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task Losing_every_race_but_the_last_allowed_attempt_still_succeeds()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        for (var i = 0; i < InventoryService.MaxAttempts - 1; i++)
            _store.BeforeNextAppend(s => s.Write(Inv, new ItemAdded("rival", 1)));

        var outcome = await Handle(new AddItem("sword", 1), time: TimeProvider.System);

        Assert.Equal(1 + InventoryService.MaxAttempts, Assert.IsType<CommandOutcome.Appended>(outcome).Version);
        Assert.Equal(InventoryService.MaxAttempts, _store.AppendCalls);
    }

    // ---- A head missing or behind its log -------------------------------------------------------------------------

    [Fact]
    public async Task Events_without_a_head_are_caught_up_before_the_next_append()
    {
        _store.Import(Inv, new ItemAdded("sword", 2), new ItemAdded("shield", 1), new ItemRemoved("sword", 1));

        var outcome = await Handle(new RemoveItem("sword", 1));

        var appended = Assert.IsType<CommandOutcome.Appended>(outcome);
        Assert.Equal(4, appended.Version);
        Assert.Equal(4, Assert.Single(appended.Events).Version);
        Assert.Equal(1, _store.CatchUpCalls);
        Assert.Equal([1L, 2L, 3L, 4L], _store.Log(Inv).Select(e => e.Version));
        Assert.Equal(Builders.State(4, ("shield", 1)), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task A_head_behind_its_log_is_caught_up_and_the_remove_sees_the_imported_items()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        _store.Import(Inv, new ItemAdded("sword", 4), new ItemAdded("bow", 1));

        var outcome = await Handle(new RemoveItem("sword", 5));

        Assert.Equal(4, Assert.IsType<CommandOutcome.Appended>(outcome).Version);
        Assert.Equal(Builders.State(4, ("bow", 1)), _store.Head(Inv)!.State);
        Assert.Equal(StateFromLog(), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task A_gap_in_the_log_is_reported_as_a_corrupt_event()
    {
        _store.Import(Inv, new ItemAdded("sword", 1));
        _store.ImportAt(Inv, new RecordedEvent(3, Noon, new ItemAdded("sword", 1)));

        var error = await Assert.ThrowsAsync<CorruptEventException>(() => Handle(new AddItem("sword", 1)));

        Assert.Equal("3", error.DocumentId);
        Assert.Equal(2, _store.Log(Inv).Count);
    }

    // ---- Idempotency ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_request_with_a_key_stores_what_it_answered()
    {
        var outcome = await Handle(new AddItem("sword", 2), key: "k1");

        var appended = Assert.IsType<CommandOutcome.Appended>(outcome);
        var record = Assert.Single(_store.IdempotencyRecords(Inv));
        var hash = IdempotencyRecord.Fingerprint(new CommandRequest(Inv, new AddItem("sword", 2), null, "k1"));
        Assert.Equal(("k1", hash, 1L), (record.Key, record.RequestHash, record.Version));
        Assert.Equal(appended.Events, record.Events);
    }

    [Fact]
    public async Task Every_event_a_command_appends_carries_the_actor_that_sent_it()
    {
        var actor = new Actor(ActorKind.Player, Inv);

        var outcome = await Service().HandleAsync(new CommandRequest(Inv, new AppendEvents([new ItemAdded("a", 1), new ItemAdded("b", 2)]), Actor: actor), CancellationToken.None);

        Assert.All(Assert.IsType<CommandOutcome.Appended>(outcome).Events, e => Assert.Equal(actor, e.Actor));
        Assert.All(_store.Log(Inv), e => Assert.Equal(actor, e.Actor));
    }

    [Fact]
    public async Task The_same_key_from_two_principals_is_two_requests_and_each_replays_its_own()
    {
        CommandRequest From(string subject) => new(Inv, new AddItem("sword", 1), IdempotencyKey: "k1", Actor: new Actor(ActorKind.Server, subject));

        var first = Assert.IsType<CommandOutcome.Appended>(await Service().HandleAsync(From("server-a"), CancellationToken.None));
        var second = Assert.IsType<CommandOutcome.Appended>(await Service().HandleAsync(From("server-b"), CancellationToken.None));
        var again = Assert.IsType<CommandOutcome.Appended>(await Service().HandleAsync(From("server-a"), CancellationToken.None));

        Assert.False(second.Replayed);
        Assert.Equal((1L, 2L), (first.Version, second.Version));
        Assert.True(again.Replayed);
        Assert.Equal(first.Events, again.Events);
        Assert.Equal(2, _store.Log(Inv).Count);
    }

    [Fact]
    public async Task Repeating_a_request_with_its_key_replays_the_first_answer_and_appends_nothing()
    {
        var first = Assert.IsType<CommandOutcome.Appended>(await Handle(new AddItem("sword", 2), key: "k1"));
        _clock.Advance(TimeSpan.FromMinutes(1));

        var again = Assert.IsType<CommandOutcome.Appended>(await Handle(new AddItem("sword", 2), key: "k1"));

        Assert.True(again.Replayed);
        Assert.Equal(first.Version, again.Version);
        Assert.Equal(first.Events, again.Events);
        Assert.Single(_store.Log(Inv));
        Assert.Equal(Builders.State(1, ("sword", 2)), _store.Head(Inv)!.State);
    }

    [Fact]
    public async Task A_replay_answers_with_the_first_version_even_after_other_writes()
    {
        await Handle(new AddItem("sword", 2), key: "k1");
        _store.Write(Inv, new ItemAdded("shield", 1));

        var again = Assert.IsType<CommandOutcome.Appended>(await Handle(new AddItem("sword", 2), key: "k1"));

        Assert.Equal(1, again.Version);
        Assert.Equal(2, _store.Log(Inv).Count);
    }

    [Fact]
    public async Task The_same_key_with_a_different_request_is_refused_and_writes_nothing()
    {
        await Handle(new AddItem("sword", 2), key: "k1");

        var outcome = await Handle(new AddItem("sword", 3), key: "k1");

        Assert.IsType<CommandOutcome.IdempotencyKeyReused>(outcome);
        Assert.Single(_store.Log(Inv));
        Assert.Single(_store.IdempotencyRecords(Inv));
    }

    [Fact]
    public async Task A_replayed_remove_still_replays_when_the_items_are_gone()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        var first = Assert.IsType<CommandOutcome.Appended>(await Handle(new RemoveItem("sword", 1), key: "k1"));

        var again = await Handle(new RemoveItem("sword", 1), key: "k1");

        var replayed = Assert.IsType<CommandOutcome.Appended>(again);
        Assert.True(replayed.Replayed);
        Assert.Equal(first.Events, replayed.Events);
        Assert.Equal(2, _store.Log(Inv).Count);
    }

    [Fact]
    public async Task A_replayed_create_with_expected_version_0_still_replays_once_the_inventory_exists()
    {
        var first = Assert.IsType<CommandOutcome.Appended>(await Handle(new AddItem("sword", 1), expectedVersion: 0, key: "k1"));

        var again = Assert.IsType<CommandOutcome.Appended>(await Handle(new AddItem("sword", 1), expectedVersion: 0, key: "k1"));

        Assert.Equal((1L, true), (again.Version, again.Replayed));
        Assert.Equal(first.Events, again.Events);
        Assert.Single(_store.Log(Inv));
    }

    [Fact]
    public async Task A_rejection_with_an_unused_key_is_still_a_rejection_and_records_nothing()
    {
        var outcome = await Handle(new RemoveItem("sword", 1), key: "k1");

        Assert.Equal(new CommandOutcome.Rejected(new InsufficientQuantity("sword", 1, 0)), outcome);
        Assert.Empty(_store.IdempotencyRecords(Inv));
        Assert.Empty(_store.Log(Inv));
    }

    [Fact]
    public async Task A_retry_that_races_its_original_gets_the_original_answer()
    {
        _store.Write(Inv, new ItemAdded("sword", 1));
        // The original request commits (with its key) between the retry's load and its append.
        var original = IdempotencyRecord.Fingerprint(new CommandRequest(Inv, new AddItem("sword", 1), null, "k1"));
        _store.BeforeNextAppend(s => s.WriteKeyed(Inv, new InMemoryEventStore.IdempotencyKeyOf("k1", original), new ItemAdded("sword", 1)));

        var outcome = await Handle(new AddItem("sword", 1), key: "k1", time: TimeProvider.System);

        var replayed = Assert.IsType<CommandOutcome.Appended>(outcome);
        Assert.True(replayed.Replayed);
        Assert.Equal(2, replayed.Version);
        Assert.Equal(2, _store.Log(Inv).Count);
    }

    [Fact]
    public async Task Inventories_do_not_share_keys()
    {
        await Handle(new AddItem("sword", 1), key: "k1");

        var other = await Service().HandleAsync(new CommandRequest("inv-2", new AddItem("sword", 1), null, "k1"), CancellationToken.None);

        var appended = Assert.IsType<CommandOutcome.Appended>(other);
        Assert.False(appended.Replayed);
        Assert.Single(_store.Log("inv-2"));
    }
}
