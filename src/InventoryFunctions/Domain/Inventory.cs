using System.Diagnostics;

namespace InventoryFunctions.Domain;

/// <summary>
/// The inventory's behaviour as pure functions: <see cref="Evolve"/> folds facts into state,
/// <see cref="Decide"/> turns a command into new facts or a rejection. No I/O, no clock: time comes in as an argument.
/// </summary>
public static class Inventory
{
    /// <summary>
    /// Applies one event: the version goes up by one and the item's count changes.
    /// </summary>
    /// <remarks>
    /// Evolve is total: it never throws for any event of the family, because events are facts that are
    /// already in the log and a replay must always be able to get past them. <see cref="Decide"/> is what
    /// guards the invariants, so an event taking a count below zero or above <see cref="int.MaxValue"/>
    /// can only come from outside it (a legacy or imported log, such as the first deployment's blind
    /// appends of <c>ITEM_REMOVED</c>). Such counts are clamped: a removal of more than is held leaves
    /// zero (the item is dropped), an addition past <see cref="int.MaxValue"/> stops there.
    /// The only throws are for events that no stored document can decode to (the codec refuses them):
    /// a null event, a null or empty item id, a quantity of zero or less.
    /// </remarks>
    /// <exception cref="ArgumentException">The event is impossible (see remarks).</exception>
    public static InventoryState Evolve(InventoryState state, InventoryEvent e)
    {
        ArgumentNullException.ThrowIfNull(state);
        return e switch
        {
            ItemAdded or ItemTransferredIn or ItemRefunded => Apply(state, e.ItemId, e.Quantity, added: true),
            ItemRemoved or ItemTransferredOut => Apply(state, e.ItemId, e.Quantity, added: false),
            null => throw new ArgumentNullException(nameof(e)),
            _ => throw new UnreachableException($"Evolve does not handle {e.GetType().Name}."),
        };
    }

    /// <summary>Applies <paramref name="events"/> in order to <paramref name="state"/>.</summary>
    public static InventoryState Fold(InventoryState state, IEnumerable<InventoryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            state = Evolve(state, e);
        }

        return state;
    }

    /// <summary>
    /// Applies the recorded <paramref name="events"/> of a stream in order to <paramref name="state"/>,
    /// checking that each one is the next version (see <see cref="IsNext"/>).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An event is out of sequence: a gap, a repeat or a reordering means the read was wrong,
    /// and folding on would silently produce a wrong state.
    /// </exception>
    public static InventoryState Fold(InventoryState state, IEnumerable<RecordedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var recorded in events)
        {
            state = Evolve(state, recorded, nameof(events));
        }

        return state;
    }

    /// <summary>Applies <paramref name="recorded"/>, which must be the next version of the stream (see <see cref="IsNext"/>).</summary>
    /// <exception cref="ArgumentException">The event is out of sequence, or impossible (see <see cref="Evolve(InventoryState, InventoryEvent)"/>).</exception>
    public static InventoryState Evolve(InventoryState state, RecordedEvent recorded) => Evolve(state, recorded, nameof(recorded));

    /// <summary>
    /// The one version-sequence rule of a stream: what follows version <paramref name="current"/> is version
    /// <paramref name="current"/> + 1. A gap, a repeat or a reordering means a read went wrong.
    /// </summary>
    public static bool IsNext(long current, long next) => next == current + 1;

    private static InventoryState Evolve(InventoryState state, RecordedEvent recorded, string paramName)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(recorded, paramName);
        if (!IsNext(state.Version, recorded.Version))
        {
            throw new ArgumentException(
                $"Expected event version {state.Version + 1} but got {recorded.Version}: the stream is out of sequence.", paramName);
        }

        return Evolve(state, recorded.Event);
    }

    /// <summary>
    /// Decides <paramref name="command"/> against <paramref name="state"/>: the events to append, numbered
    /// <c>state.Version + 1</c> onwards and stamped with <paramref name="now"/> in UTC, or the reason it is refused.
    /// </summary>
    /// <remarks>
    /// Inputs are not re-validated here (the edge applies <see cref="InventoryRules"/>), except that
    /// impossible ones throw: a null, a quantity of zero or less, an empty item id or an empty batch.
    /// The batch size limit (<see cref="InventoryRules.MaxEventsPerAppend"/>) is not enforced here.
    /// </remarks>
    /// <exception cref="ArgumentException">The command is impossible (see remarks).</exception>
    public static Decision Decide(InventoryState state, InventoryCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return DecideBatch(state, Proposed(command), now);
    }

    /// <summary>The events <paramref name="command"/> would append if accepted, in order.</summary>
    public static IReadOnlyList<InventoryEvent> Proposed(InventoryCommand command) => command switch
    {
        AddItem(var itemId, var quantity) => [new ItemAdded(itemId, quantity)],
        RemoveItem(var itemId, var quantity) => [new ItemRemoved(itemId, quantity)],
        AppendEvents(var events) => events,
        TransferCommand transfer => Transfers.Legs(transfer),
        null => throw new ArgumentNullException(nameof(command)),
        _ => throw new UnreachableException($"Decide does not handle {command.GetType().Name}."),
    };

    private static Decision DecideBatch(InventoryState state, IReadOnlyList<InventoryEvent>? events, DateTimeOffset now)
    {
        if (events is null || events.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one event.", nameof(events));
        }

        var occurredAt = now.ToUniversalTime();
        var recorded = new RecordedEvent[events.Count];
        var running = state;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException($"Event {i} of the batch is null.", nameof(events));
            var (itemId, quantity) = (e.ItemId, e.Quantity);
            if (string.IsNullOrEmpty(itemId))
            {
                throw new ArgumentException($"Event {i} of the batch has no item id.", nameof(events));
            }

            if (quantity <= 0)
            {
                throw new ArgumentException($"Event {i} of the batch has quantity {quantity}; it must be above zero.", nameof(events));
            }

            var held = running.QuantityOf(itemId);
            Rejection? rejection = e switch
            {
                ItemRemoved or ItemTransferredOut when quantity > held => new InsufficientQuantity(itemId, quantity, held),
                ItemAdded or ItemTransferredIn when quantity > InventoryRules.MaxHeldPerItem - held => new HoldingLimitExceeded(itemId, quantity, held),
                ItemAdded or ItemTransferredIn when held == 0 && running.Items.Count >= InventoryRules.MaxDistinctItemsHeld =>
                    new DistinctItemsLimitExceeded(itemId, InventoryRules.MaxDistinctItemsHeld),
                // A refund gives back units the inventory held before the transfer: it is never refused (it may take the
                // inventory past the distinct-items limit by the transfer's lines; a count past int.MaxValue is clamped).
                ItemAdded or ItemRemoved or ItemTransferredOut or ItemTransferredIn or ItemRefunded => null,
                _ => throw new UnreachableException($"Decide does not handle {e.GetType().Name}."),
            };
            if (rejection is not null)
            {
                return new Decision.Rejected(rejection);
            }

            running = Evolve(running, e);
            recorded[i] = new RecordedEvent(running.Version, occurredAt, e);
        }

        return new Decision.Accepted(recorded);
    }

    private static InventoryState Apply(InventoryState state, string itemId, int quantity, bool added)
    {
        ArgumentException.ThrowIfNullOrEmpty(itemId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);

        // Clamp into 0..int.MaxValue: see the remarks on Evolve.
        var delta = added ? (long)quantity : -(long)quantity;
        var count = Math.Clamp(state.QuantityOf(itemId) + delta, 0, int.MaxValue);
        var items = count == 0 ? state.Items.Remove(itemId) : state.Items.SetItem(itemId, (int)count);
        return InventoryState.Trusted(state.Version + 1, items);
    }
}
