namespace InventoryFunctions.Domain;

/// <summary>
/// The outcome of <see cref="Inventory.Decide"/>: either <see cref="Accepted"/> with the events to append,
/// or <see cref="Rejected"/> with the reason. A closed family: nothing else derives from it.
/// </summary>
/// <remarks>
/// The cases are nested (<c>Decision.Accepted</c>) so they cannot clash with
/// <c>Microsoft.AspNetCore.Http.HttpResults.Accepted</c> at the HTTP edge.
/// </remarks>
public abstract record Decision
{
    private Decision()
    {
    }

    /// <summary>
    /// The command is accepted: append <paramref name="Events"/> (never empty), numbered from the decided
    /// state's version + 1 and contiguous, all stamped with the same UTC time.
    /// </summary>
    public sealed record Accepted(IReadOnlyList<RecordedEvent> Events) : Decision;

    /// <summary>The command is refused and nothing changes.</summary>
    public sealed record Rejected(Rejection Reason) : Decision;
}

/// <summary>Why a command was refused. A closed family: nothing outside this assembly derives from it.</summary>
public abstract record Rejection
{
    private protected Rejection()
    {
    }
}

/// <summary>
/// A removal asked for <paramref name="Requested"/> units of <paramref name="ItemId"/> when only
/// <paramref name="Held"/> were held (for a batch: held after the earlier events of the same batch).
/// </summary>
public sealed record InsufficientQuantity(string ItemId, int Requested, int Held) : Rejection;

/// <summary>
/// An addition of <paramref name="Requested"/> units of <paramref name="ItemId"/> would take the count above
/// <see cref="InventoryRules.MaxHeldPerItem"/> (the count is a 32-bit integer) from the <paramref name="Held"/> units held
/// (for a batch: held after the earlier events of the same batch).
/// </summary>
public sealed record HoldingLimitExceeded(string ItemId, int Requested, int Held) : Rejection;

/// <summary>
/// An addition of <paramref name="ItemId"/>, not held yet, would make the inventory hold more than
/// <paramref name="Limit"/> (<see cref="InventoryRules.MaxDistinctItemsHeld"/>) distinct items
/// (for a batch: counting the earlier events of the same batch).
/// </summary>
public sealed record DistinctItemsLimitExceeded(string ItemId, int Limit) : Rejection;
