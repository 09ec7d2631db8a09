using System.Text.Json;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The state right after event <c>version</c>, stored every <see cref="SnapshotOptions.Interval"/> events in the
/// inventory's partition, created in the same batch as that event and never updated. Derived data: a missing or
/// unreadable snapshot only costs time. Like the head, it has no top-level <c>version</c>.
/// </summary>
public static class SnapshotDocument
{
    public const string Kind = "snapshot";

    public static string IdFor(long version) => "snapshot-" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <param name="latestOccurredAt">
    /// The latest instant of any event up to this one (not just this event's: instants may go back within a log), so
    /// a read "as of T" starts from a snapshot only if every event it covers is at or before T.
    /// </param>
    public static byte[] Encode(string inventoryId, InventoryState state, DateTimeOffset latestOccurredAt)
    {
        return JsonDocumentWriter.Write(writer =>
        {
            JsonDocumentWriter.WriteStart(writer, IdFor(state.Version), inventoryId, Kind);
            HeadDocument.WriteState(writer, "state", state);
            writer.WriteString("occurredAt", EventCodec.FormatOccurredAt(latestOccurredAt));
            writer.WriteEndObject();
        });
    }

    /// <summary>The snapshot's state, or null when the document is not a readable snapshot (it is then ignored).</summary>
    public static InventoryState? TryDecode(JsonElement document)
    {
        try
        {
            return document.GetProperty("kind").GetString() == Kind ? HeadDocument.DecodeState(document) : null;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
