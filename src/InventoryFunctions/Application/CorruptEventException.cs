namespace InventoryFunctions.Application;

/// <summary>A stored document claims to be an event but cannot be decoded; the stream cannot be folded past it.</summary>
public sealed class CorruptEventException(string inventoryId, string? documentId, string reason)
    : Exception($"Event document '{documentId ?? "(no id)"}' of inventory '{inventoryId}' cannot be decoded: {reason}")
{
    public string InventoryId { get; } = inventoryId;
    public string? DocumentId { get; } = documentId;
    public string Reason { get; } = reason;

    /// <summary>The id of the document holding the event at <paramref name="version"/>: events are stored under their version in decimal.</summary>
    public static string DocumentIdOf(long version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
