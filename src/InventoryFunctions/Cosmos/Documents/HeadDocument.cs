using System.Collections.Immutable;
using System.Text.Json;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The per-inventory head: the state folded up to its version, in the inventory's partition of the events
/// container, written in the same transactional batch as the events it covers. Derived data: it can always
/// be rebuilt from the log. It has no top-level <c>version</c>, so event queries and the projector never see it.
/// </summary>
public static class HeadDocument
{
    public const string Id = "head";
    public const string Kind = "head";

    public static byte[] Encode(string inventoryId, InventoryState state, DateTimeOffset latestOccurredAt)
    {
        return JsonDocumentWriter.Write(writer =>
        {
            JsonDocumentWriter.WriteStart(writer, Id, inventoryId, Kind);
            WriteState(writer, "state", state);
            writer.WriteString("latestOccurredAt", EventCodec.FormatOccurredAt(latestOccurredAt));
            writer.WriteEndObject();
        });
    }

    public static InventoryState DecodeState(JsonElement document) => ReadState(document.GetProperty("state"));

    /// <summary>The latest event instant the head covers (absent on heads written before it was recorded).</summary>
    public static DateTimeOffset DecodeLatestOccurredAt(JsonElement document) =>
        document.TryGetProperty("latestOccurredAt", out var value) && value.TryGetDateTimeOffset(out var instant) ? instant : default;

    internal static void WriteState(Utf8JsonWriter writer, string propertyName, InventoryState state)
    {
        writer.WriteStartObject(propertyName);
        writer.WriteNumber("version", state.Version);
        writer.WriteStartObject("items");
        foreach (var (itemId, count) in state.Items)
            writer.WriteNumber(itemId, count);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal static InventoryState ReadState(JsonElement state)
    {
        var items = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var item in state.GetProperty("items").EnumerateObject())
            items[item.Name] = item.Value.GetInt32();
        return new InventoryState(state.GetProperty("version").GetInt64(), items.ToImmutable());
    }
}
