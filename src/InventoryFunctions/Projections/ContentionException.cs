namespace InventoryFunctions.Projections;

/// <summary>Other writers kept winning the race for the same document; nothing was written. Retry shortly.</summary>
public sealed class ContentionException(string message) : Exception(message);

/// <summary>
/// The store refuses a view for good (Cosmos DB: too large, or invalid): writing it again will not help, so the
/// projector parks the inventory rather than retry it for ever.
/// </summary>
public sealed class ViewRejectedException(string inventoryId, string message) : Exception(message)
{
    public string InventoryId { get; } = inventoryId;
}
