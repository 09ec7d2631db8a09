using System.Globalization;

namespace InventoryFunctions.Domain;

/// <summary>
/// The rules for what the edge accepts, as pure functions. Each <c>Validate*</c> returns <c>null</c> when
/// the value is valid, or a short message for a person when it is not.
/// </summary>
/// <remarks>
/// Item ids accept Unicode letters and digits (<see cref="char.IsLetterOrDigit(char)"/>, one UTF-16 unit at a
/// time), so "épée" and "剣" are valid. Consequences, on purpose: characters outside the Basic Multilingual
/// Plane (surrogate pairs, e.g. emoji) and combining marks (so decomposed forms such as "e\u0301") are refused;
/// lengths count UTF-16 units. None of the accepted characters is forbidden in a Cosmos DB id
/// ('/', '\', '?', '#'), so a derived view may use an item id inside a document id.
/// Stored events are not held to these rules: the codec and <see cref="Inventory.Evolve"/> accept what the log holds.
/// </remarks>
public static class InventoryRules
{
    public const int MaxInventoryIdLength = 64;
    public const int MaxItemIdLength = 100;
    public const int MaxQuantity = 1_000_000;
    public const int MaxEventsPerAppend = 50;

    /// <summary>The most lines a transfer moves (one leg event each, so a transfer is one append on each side).</summary>
    public const int MaxTransferLines = MaxEventsPerAppend;

    /// <summary>The most units of one item an inventory can hold (the count is a 32-bit integer).</summary>
    public const int MaxHeldPerItem = int.MaxValue;

    /// <summary>
    /// The most distinct items an inventory holds at once. Every document that holds an inventory's state (head,
    /// snapshot, view) lists them, so this bounds them: with the longest ids the JSON writer can produce (100 characters
    /// escaped to <c>\uXXXX</c>, 6 bytes each) and the largest counts, each stays under 1 MB (DocumentBudgetTests),
    /// half of Cosmos DB's 2 MB item limit. Adding a new item beyond it is refused; removing items makes room again.
    /// </summary>
    public const int MaxDistinctItemsHeld = 1_000;

    /// <summary>1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'.</summary>
    public static string? ValidateInventoryId(string? inventoryId)
    {
        if (string.IsNullOrEmpty(inventoryId))
        {
            return "inventoryId is required.";
        }

        if (inventoryId.Length > MaxInventoryIdLength)
        {
            return $"inventoryId must be at most {MaxInventoryIdLength} characters.";
        }

        foreach (var c in inventoryId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return "inventoryId may contain only the letters A-Z and a-z, digits 0-9, '_' and '-'.";
            }
        }

        return null;
    }

    /// <summary>
    /// 1 to 100 characters of letters, digits, space, '_', '.', ':' and '-', not starting or ending with a space.
    /// Letters and digits are Unicode ones: see the remarks on <see cref="InventoryRules"/>.
    /// </summary>
    public static string? ValidateItemId(string? itemId)
    {
        if (string.IsNullOrEmpty(itemId))
        {
            return "itemId is required.";
        }

        if (itemId.Length > MaxItemIdLength)
        {
            return $"itemId must be at most {MaxItemIdLength} characters.";
        }

        if (itemId[0] == ' ' || itemId[^1] == ' ')
        {
            return "itemId must not start or end with a space.";
        }

        foreach (var c in itemId)
        {
            if (!(char.IsLetterOrDigit(c) || c is ' ' or '_' or '.' or ':' or '-'))
            {
                return "itemId may contain only letters, digits, spaces, '_', '.', ':' and '-'.";
            }
        }

        return null;
    }

    /// <summary>An integer from 1 to 1,000,000. Takes a <see cref="long"/> so the edge can check a parsed number before narrowing it.</summary>
    public static string? ValidateQuantity(long quantity) => quantity is < 1 or > MaxQuantity
        ? string.Create(CultureInfo.InvariantCulture, $"quantity must be an integer from 1 to {MaxQuantity:N0}.")
        : null;

    /// <summary>A batch holds 1 to 50 events.</summary>
    public static string? ValidateEventCount(int count) => count is < 1 or > MaxEventsPerAppend
        ? $"A batch must hold from 1 to {MaxEventsPerAppend} events."
        : null;

    /// <summary>
    /// Checks every input of <paramref name="command"/>: item ids, quantities and, for a batch, its size.
    /// Messages about a batch's events name the event by its index, e.g. <c>events[2]: quantity must be ...</c>.
    /// </summary>
    public static string? Validate(InventoryCommand? command) => command switch
    {
        null => "A command is required.",
        AppendEvents(var events) => ValidateBatch(events),
        AddItem or RemoveItem => ValidateEvent(Inventory.Proposed(command)[0]),
        TransferCommand transfer => ValidateTransfer(transfer),
        _ => $"Unknown command {command.GetType().Name}.",
    };

    /// <summary>1 to <see cref="MaxTransferLines"/> lines, each a valid item and quantity, no item twice.</summary>
    public static string? ValidateTransferLines(IReadOnlyList<TransferLine?>? lines)
    {
        if (lines is null || lines.Count is < 1 or > MaxTransferLines)
            return $"A transfer moves from 1 to {MaxTransferLines} lines.";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var error = lines[i] is not { } line ? "a line is required."
                : ValidateItemId(line.ItemId) ?? ValidateQuantity(line.Quantity) ?? (seen.Add(line.ItemId) ? null : $"item '{line.ItemId}' is in more than one line.");
            if (error is not null)
                return string.Create(CultureInfo.InvariantCulture, $"items[{i}]: {error}");
        }
        return null;
    }

    private static string? ValidateTransfer(TransferCommand transfer) =>
        (Transfers.IsId(transfer.TransferId) ? null : "transferId must be 32 lowercase hex digits.")
        ?? ValidateInventoryId(transfer.Counterparty)
        ?? ValidateTransferLines(transfer.Lines);

    private static string? ValidateEvent(InventoryEvent? e) => e is null
        ? "an event is required."
        : ValidateItemId(e.ItemId) ?? ValidateQuantity(e.Quantity);

    private static string? ValidateBatch(IReadOnlyList<InventoryEvent>? events)
    {
        if (events is null)
        {
            return ValidateEventCount(0);
        }

        if (ValidateEventCount(events.Count) is { } countError)
        {
            return countError;
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (ValidateEvent(events[i]) is { } error)
            {
                return string.Create(CultureInfo.InvariantCulture, $"events[{i}]: {error}");
            }
        }

        return null;
    }
}
