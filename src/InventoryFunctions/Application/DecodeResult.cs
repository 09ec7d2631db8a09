using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>What the event codec made of a stored document. A closed family.</summary>
public abstract record DecodeResult
{
    private DecodeResult()
    {
    }

    /// <summary>
    /// The document is an event of <paramref name="InventoryId"/>'s stream. <paramref name="SchemaVersion"/> is the
    /// shape it was stored in (1 for the legacy shape, upcast on read).
    /// </summary>
    public sealed record Decoded(string InventoryId, RecordedEvent Event, int SchemaVersion) : DecodeResult;

    /// <summary>
    /// The document has no numeric top-level <c>version</c>, so it is not an event (a head, a snapshot, ...)
    /// and is to be skipped silently. <paramref name="Id"/> is its id when it has a string one.
    /// </summary>
    public sealed record NotAnEvent(string? Id) : DecodeResult;

    /// <summary>
    /// The document claims to be an event but cannot be read as one. <paramref name="Id"/> is its id when it has
    /// a string one; <paramref name="Reason"/> says what is wrong, naming the property.
    /// Never skip these silently: folding past a missing event would produce a wrong state.
    /// </summary>
    public sealed record Malformed(string? Id, string Reason) : DecodeResult;
}
