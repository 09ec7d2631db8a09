namespace InventoryFunctions.Projections;

/// <summary>Other writers kept winning the race for the same document; nothing was written. Retry shortly.</summary>
public sealed class ContentionException(string message) : Exception(message);
