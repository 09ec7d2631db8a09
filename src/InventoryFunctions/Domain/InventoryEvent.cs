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
/// The type names under which events are stored. They are a storage contract, deliberately
/// literals rather than <c>nameof</c>: renaming a class must not rename stored data.
/// Never change one; add a new type and upcast the old one instead.
/// </summary>
public static class EventTypes
{
    public const string ItemAdded = "ItemAdded";
    public const string ItemRemoved = "ItemRemoved";

    /// <summary>The stored type name of <paramref name="e"/>.</summary>
    public static string NameOf(InventoryEvent e) => e switch
    {
        Domain.ItemAdded => ItemAdded,
        Domain.ItemRemoved => ItemRemoved,
        null => throw new ArgumentNullException(nameof(e)),
        _ => throw new ArgumentException($"Unknown event type {e.GetType().Name}.", nameof(e)),
    };

    /// <summary>The event stored as <paramref name="name"/>, or null when no event type has that name.</summary>
    public static InventoryEvent? Create(string? name, string itemId, int quantity) => name switch
    {
        ItemAdded => new Domain.ItemAdded(itemId, quantity),
        ItemRemoved => new Domain.ItemRemoved(itemId, quantity),
        _ => null,
    };
}
