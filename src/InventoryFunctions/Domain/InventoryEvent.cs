namespace InventoryFunctions.Domain;

/// <summary>
/// Something that happened to an inventory: an immutable, past-tense fact.
/// The family is closed (only this assembly can derive from it), so <see cref="Inventory.Evolve"/>
/// handles every case. The stored name of each case is a contract: see <see cref="EventTypes"/>.
/// </summary>
public abstract record InventoryEvent
{
    private protected InventoryEvent()
    {
    }
}

/// <summary><paramref name="Quantity"/> units of <paramref name="ItemId"/> were put into the inventory.</summary>
public sealed record ItemAdded(string ItemId, int Quantity) : InventoryEvent;

/// <summary><paramref name="Quantity"/> units of <paramref name="ItemId"/> were taken out of the inventory.</summary>
public sealed record ItemRemoved(string ItemId, int Quantity) : InventoryEvent;

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
}
