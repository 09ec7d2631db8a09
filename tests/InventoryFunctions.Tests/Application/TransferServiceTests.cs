using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Application;

/// <summary>
/// Transfers against the in-memory store (the same batch semantics as Cosmos DB: the head, the idempotency record and
/// the companion document are checked and written together): the debit with its record, the credit with its receipt,
/// the refusal and the refund, and every way a step can run twice.
/// </summary>
public sealed class TransferServiceTests
{
    private const string Alice = "alice";
    private const string Bob = "bob";
    private static readonly DateTimeOffset Noon = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Noon);
    private readonly InMemoryEventStore _store = new();

    private TransferService Service()
    {
        var commands = new InventoryService(_store, _clock, NullLogger<InventoryService>.Instance);
        return new TransferService(commands, _store, _clock, NullLogger<TransferService>.Instance);
    }

    private static TransferRequest Send(string key, params (string Item, int Quantity)[] lines) =>
        new(Alice, Bob, [.. lines.Select(l => new TransferLine(l.Item, l.Quantity))], key);

    private InventoryState State(string inventoryId) => Inventory.Fold(InventoryState.Empty, _store.Log(inventoryId));

    private async Task<StoredTransfer> StartedAsync(TransferRequest request)
    {
        var started = Assert.IsType<TransferOutcome.Started>(await Service().StartAsync(request, CancellationToken.None));
        return (await _store.ReadAsync(request.From, started.Transfer.TransferId, CancellationToken.None))!;
    }

    [Fact]
    public async Task A_transfer_debits_the_sender_with_its_record_then_credits_the_receiver_once_and_completes()
    {
        _store.Write(Alice, new ItemAdded("sword", 3), new ItemAdded("gem", 5));
        _store.Write(Bob, new ItemAdded("gem", 1));

        var debited = await StartedAsync(Send("k1", ("sword", 2), ("gem", 5)));
        var afterDebit = (State(Alice), State(Bob));
        var finished = await Service().DriveAsync(debited, CancellationToken.None);

        Assert.Equal(TransferStates.Debited, debited.Transfer.State);
        Assert.Equal(Builders.State(4, ("sword", 1)), afterDebit.Item1);
        Assert.Equal(Builders.State(1, ("gem", 1)), afterDebit.Item2);
        Assert.Equal(TransferStates.Completed, finished.State);
        Assert.Equal(Noon, finished.CompletedAt);
        Assert.Equal(Builders.State(4, ("sword", 1)), State(Alice));
        Assert.Equal(Builders.State(3, ("gem", 6), ("sword", 2)), State(Bob));
        Assert.Equal(
            [new ItemTransferredIn("sword", 2, debited.Transfer.TransferId, Alice), new ItemTransferredIn("gem", 5, debited.Transfer.TransferId, Alice)],
            _store.Log(Bob).Skip(1).Select(e => e.Event));
        Assert.Equal(TransferStates.Completed, (await _store.ReadAsync(Alice, debited.Transfer.TransferId, CancellationToken.None))!.Transfer.State);
        Assert.True((await _store.ReadReceiptAsync(Bob, debited.Transfer.TransferId, CancellationToken.None))!.Credited);
    }

    [Fact]
    public async Task Not_enough_held_is_refused_and_writes_no_debit_and_no_record()
    {
        _store.Write(Alice, new ItemAdded("sword", 1));

        var outcome = await Service().StartAsync(Send("k1", ("sword", 2)), CancellationToken.None);

        var notStarted = Assert.IsType<TransferOutcome.NotStarted>(outcome);
        Assert.Equal(new InsufficientQuantity("sword", 2, 1), Assert.IsType<CommandOutcome.Rejected>(notStarted.Outcome).Reason);
        Assert.Single(_store.Log(Alice));
        Assert.Null(await _store.ReadAsync(Alice, Transfers.IdFor(Alice, "", "k1"), CancellationToken.None));
    }

    [Fact]
    public async Task The_same_key_answers_the_same_transfer_and_debits_once_and_another_request_with_it_is_refused()
    {
        _store.Write(Alice, new ItemAdded("sword", 5));

        var first = Assert.IsType<TransferOutcome.Started>(await Service().StartAsync(Send("k1", ("sword", 1)), CancellationToken.None));
        var again = Assert.IsType<TransferOutcome.Started>(await Service().StartAsync(Send("k1", ("sword", 1)), CancellationToken.None));
        var other = await Service().StartAsync(Send("k1", ("sword", 2)), CancellationToken.None);

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.Transfer, again.Transfer);
        Assert.IsType<CommandOutcome.IdempotencyKeyReused>(Assert.IsType<TransferOutcome.NotStarted>(other).Outcome);
        Assert.Equal(4, State(Alice).QuantityOf("sword"));
    }

    [Fact]
    public async Task The_same_key_from_another_caller_names_another_transfer_and_the_debit_records_who_asked()
    {
        _store.Write(Alice, new ItemAdded("sword", 5));
        var (one, two) = (new Actor(ActorKind.Server, "server-1"), new Actor(ActorKind.Server, "server-2"));

        var mine = Assert.IsType<TransferOutcome.Started>(await Service().StartAsync(Send("k1", ("sword", 1)) with { Actor = one }, CancellationToken.None));
        var theirs = Assert.IsType<TransferOutcome.Started>(await Service().StartAsync(Send("k1", ("sword", 1)) with { Actor = two }, CancellationToken.None));
        await Service().DriveAsync((await _store.ReadAsync(Alice, mine.Transfer.TransferId, CancellationToken.None))!, CancellationToken.None);

        Assert.NotEqual(mine.Transfer.TransferId, theirs.Transfer.TransferId);
        Assert.Equal(3, State(Alice).QuantityOf("sword"));
        Assert.Equal([null, one, two], _store.Log(Alice).Select(e => e.Actor));
        Assert.Equal(TransferService.Relay, Assert.Single(_store.Log(Bob)).Actor);
    }

    [Fact]
    public async Task A_receiver_at_its_distinct_items_limit_refuses_the_sender_is_refunded_once_and_it_stays_refunded_after_the_receiver_makes_room()
    {
        _store.Write(Alice, new ItemAdded("sword", 2));
        _store.Write(Bob, [.. Enumerable.Range(0, InventoryRules.MaxDistinctItemsHeld).Select(i => new ItemAdded($"item-{i}", 1))]);
        var bobVersion = State(Bob).Version;

        var debited = await StartedAsync(Send("k1", ("sword", 2)));
        var refunded = await Service().DriveAsync(debited, CancellationToken.None);
        _store.Write(Bob, new ItemRemoved("item-0", 1));
        var redelivered = await Service().DriveAsync(debited, CancellationToken.None); // the debited record, as the feed delivered it first

        Assert.Equal(TransferStates.Refunded, refunded.State);
        Assert.StartsWith("distinct-items-limit-exceeded", refunded.Reason, StringComparison.Ordinal);
        Assert.Equal(TransferStates.Refunded, redelivered.State);
        Assert.Equal(2, State(Alice).QuantityOf("sword"));
        Assert.Equal([typeof(ItemAdded), typeof(ItemTransferredOut), typeof(ItemRefunded)], _store.Log(Alice).Select(e => e.Event.GetType()));
        Assert.Equal(bobVersion + 1, State(Bob).Version); // only the removal: no credit ever
        Assert.False((await _store.ReadReceiptAsync(Bob, debited.Transfer.TransferId, CancellationToken.None))!.Credited);
    }

    [Fact]
    public async Task A_redelivered_or_raced_transfer_credits_the_receiver_once()
    {
        _store.Write(Alice, new ItemAdded("sword", 4));
        var debited = await StartedAsync(Send("k1", ("sword", 4)));

        var racing = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Service().DriveAsync(debited, CancellationToken.None))));
        var redelivered = await Service().DriveAsync(debited, CancellationToken.None);

        Assert.All(racing, t => Assert.Equal(TransferStates.Completed, t.State));
        Assert.Equal(TransferStates.Completed, redelivered.State);
        Assert.Equal(4, State(Bob).QuantityOf("sword"));
        Assert.Single(_store.Log(Bob));
        Assert.Equal(0, State(Alice).QuantityOf("sword"));
    }

    [Fact]
    public async Task A_credit_that_happened_before_a_crash_is_completed_by_the_next_delivery_without_crediting_again()
    {
        _store.Write(Alice, new ItemAdded("sword", 1));
        var debited = await StartedAsync(Send("k1", ("sword", 1)));
        // The credit's batch (events + receipt) went through; the instance died before completing the record.
        var transfer = debited.Transfer;
        await new InventoryService(_store, _clock, NullLogger<InventoryService>.Instance).HandleAsync(new CommandRequest(Bob,
            new ReceiveTransfer(transfer.TransferId, Alice, transfer.Items),
            Companion: new StreamCompanion.CreateReceipt(new TransferReceipt(transfer.TransferId, Alice, true, null, Noon))), CancellationToken.None);

        var finished = await Service().DriveAsync(debited, CancellationToken.None);

        Assert.Equal(TransferStates.Completed, finished.State);
        Assert.Single(_store.Log(Bob));
    }

    [Fact]
    public async Task The_recovery_drives_only_transfers_debited_for_longer_than_it_waits()
    {
        _store.Write(Alice, new ItemAdded("sword", 2));
        var old = await StartedAsync(Send("k1", ("sword", 1)));
        _clock.Advance(TimeSpan.FromMinutes(2));
        var recent = await StartedAsync(Send("k2", ("sword", 1)));

        var driven = await Service().DriveStuckAsync(TimeSpan.FromMinutes(1), 100, CancellationToken.None);

        Assert.Equal(1, driven);
        Assert.Equal(TransferStates.Completed, (await _store.ReadAsync(Alice, old.Transfer.TransferId, CancellationToken.None))!.Transfer.State);
        Assert.Equal(TransferStates.Debited, (await _store.ReadAsync(Alice, recent.Transfer.TransferId, CancellationToken.None))!.Transfer.State);
    }
}
