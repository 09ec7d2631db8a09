namespace InventoryFunctions.Domain;

/// <summary>
/// Something that happened to an inventory: an immutable, past-tense fact.
/// The family is closed (only this assembly can derive from it), so <see cref="Inventory.Evolve"/>
/// handles every case. The stored name of each case is a contract: see <see cref="EventTypes"/>.
/// Every case moves some units of one item, so what they share lives here and code switches on the case only
/// where behaviour differs (the sign in <see cref="Inventory.Evolve(InventoryState, InventoryEvent)"/>, the check in
/// <see cref="Inventory.Decide"/>, the stored type name).
/// </summary>
public abstract record InventoryEvent
{
    private protected InventoryEvent(string itemId, int quantity)
    {
        ItemId = itemId;
        Quantity = quantity;
    }

    /// <summary>The item whose count changed.</summary>
    public string ItemId { get; init; }

    /// <summary>How many units were moved: at least 1 in any event that can be stored.</summary>
    public int Quantity { get; init; }
}

/// <summary><paramref name="Quantity"/> units of <paramref name="ItemId"/> were put into the inventory.</summary>
public sealed record ItemAdded(string ItemId, int Quantity) : InventoryEvent(ItemId, Quantity);

/// <summary><paramref name="Quantity"/> units of <paramref name="ItemId"/> were taken out of the inventory.</summary>
public sealed record ItemRemoved(string ItemId, int Quantity) : InventoryEvent(ItemId, Quantity);

/// <summary>
/// A leg of a transfer between two inventories (see <see cref="Transfers"/>): the units of one line of transfer
/// <paramref name="TransferId"/>, moved to or from <paramref name="Counterparty"/>, the other inventory.
/// </summary>
public abstract record TransferEvent : InventoryEvent
{
    private protected TransferEvent(string itemId, int quantity, string transferId, string counterparty)
        : base(itemId, quantity)
    {
        TransferId = transferId;
        Counterparty = counterparty;
    }

    /// <summary>The transfer this leg belongs to (32 lowercase hex digits).</summary>
    public string TransferId { get; init; }

    /// <summary>The other inventory of the transfer: the receiver for a debit or a refund, the sender for a credit.</summary>
    public string Counterparty { get; init; }
}

/// <summary>The sender's debit: <paramref name="Quantity"/> units of <paramref name="ItemId"/> left for <paramref name="To"/>.</summary>
public sealed record ItemTransferredOut(string ItemId, int Quantity, string TransferId, string To) : TransferEvent(ItemId, Quantity, TransferId, To);

/// <summary>The receiver's credit: <paramref name="Quantity"/> units of <paramref name="ItemId"/> arrived from <paramref name="From"/>.</summary>
public sealed record ItemTransferredIn(string ItemId, int Quantity, string TransferId, string From) : TransferEvent(ItemId, Quantity, TransferId, From);

/// <summary>
/// The sender's refund: <paramref name="Quantity"/> units of <paramref name="ItemId"/> debited for <paramref name="To"/>,
/// which refused them for good, came back.
/// </summary>
public sealed record ItemRefunded(string ItemId, int Quantity, string TransferId, string To) : TransferEvent(ItemId, Quantity, TransferId, To);

/// <summary>
/// The type names under which events are stored. They are a storage contract, deliberately
/// literals rather than <c>nameof</c>: renaming a class must not rename stored data.
/// Never change one; add a new type and upcast the old one instead.
/// </summary>
public static class EventTypes
{
    public const string ItemAdded = "ItemAdded";
    public const string ItemRemoved = "ItemRemoved";
    public const string ItemTransferredOut = "ItemTransferredOut";
    public const string ItemTransferredIn = "ItemTransferredIn";
    public const string ItemRefunded = "ItemRefunded";

    /// <summary>The stored type name of <paramref name="e"/>.</summary>
    public static string NameOf(InventoryEvent e) => e switch
    {
        Domain.ItemAdded => ItemAdded,
        Domain.ItemRemoved => ItemRemoved,
        Domain.ItemTransferredOut => ItemTransferredOut,
        Domain.ItemTransferredIn => ItemTransferredIn,
        Domain.ItemRefunded => ItemRefunded,
        null => throw new ArgumentNullException(nameof(e)),
        _ => throw new ArgumentException($"Unknown event type {e.GetType().Name}.", nameof(e)),
    };

    /// <summary>
    /// The event a client may propose by the name <paramref name="name"/> (an add or a remove), or null when it is no
    /// such name. Transfer legs are only ever decided by <see cref="Transfers"/>, never proposed.
    /// </summary>
    public static InventoryEvent? Create(string? name, string itemId, int quantity) => name switch
    {
        ItemAdded => new Domain.ItemAdded(itemId, quantity),
        ItemRemoved => new Domain.ItemRemoved(itemId, quantity),
        _ => null,
    };
}
