namespace InventoryFunctions.Domain;

/// <summary>
/// A request to change an inventory. Unlike an event it may be refused: see <see cref="Inventory.Decide"/>.
/// Inputs are validated at the edge (<see cref="InventoryRules.Validate(InventoryCommand)"/>) before a command is decided.
/// </summary>
public abstract record InventoryCommand
{
    private protected InventoryCommand()
    {
    }
}

/// <summary>Put <paramref name="Quantity"/> units of <paramref name="ItemId"/> into the inventory.</summary>
public sealed record AddItem(string ItemId, int Quantity) : InventoryCommand;

/// <summary>Take <paramref name="Quantity"/> units of <paramref name="ItemId"/> out of the inventory; refused if fewer are held.</summary>
public sealed record RemoveItem(string ItemId, int Quantity) : InventoryCommand;

/// <summary>
/// A client-proposed batch of 1 to <see cref="InventoryRules.MaxEventsPerAppend"/> adds and removes,
/// taken in order and accepted all together or not at all.
/// </summary>
public sealed record AppendEvents(IReadOnlyList<InventoryEvent> Events) : InventoryCommand;
