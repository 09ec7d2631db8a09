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

/// <summary>
/// A command of the transfer <paramref name="TransferId"/> between this inventory and <paramref name="Counterparty"/>,
/// moving <paramref name="Lines"/> (1 to <see cref="InventoryRules.MaxTransferLines"/>, each item once). Decided by
/// <see cref="Transfers"/>: one leg event per line.
/// </summary>
public abstract record TransferCommand(string TransferId, string Counterparty, IReadOnlyList<TransferLine> Lines) : InventoryCommand;

/// <summary>The sender's side: take the lines out for <paramref name="To"/>; refused if fewer are held.</summary>
public sealed record TransferOut(string TransferId, string To, IReadOnlyList<TransferLine> Lines) : TransferCommand(TransferId, To, Lines);

/// <summary>The receiver's side: take the lines in from <paramref name="From"/>; refused when a holding limit would be broken.</summary>
public sealed record ReceiveTransfer(string TransferId, string From, IReadOnlyList<TransferLine> Lines) : TransferCommand(TransferId, From, Lines);

/// <summary>The sender's side again: give back the lines <paramref name="To"/> refused; never refused.</summary>
public sealed record RefundTransfer(string TransferId, string To, IReadOnlyList<TransferLine> Lines) : TransferCommand(TransferId, To, Lines);

/// <summary>One line of a transfer: <paramref name="Quantity"/> units of <paramref name="ItemId"/>.</summary>
public sealed record TransferLine(string ItemId, int Quantity);
