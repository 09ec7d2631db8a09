using System.Collections.Immutable;
using System.Text.Json;
using InventoryFunctions.Domain;
using Microsoft.Azure.Cosmos;

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

    /// <summary>
    /// The patch operations that turn the head holding <paramref name="before"/> into one holding <paramref name="after"/>:
    /// the version, the latest instant when it moved, and the count of each of <paramref name="touchedItems"/> that changed
    /// (removed when it reached zero). As many as the events change, whatever the number of items held. Null when a
    /// changed item cannot be named by a patch path (<see cref="IsPatchable"/>): then the head is written whole.
    /// </summary>
    /// <param name="touchedItems">The items of the events between the two states; an item not among them is unchanged.</param>
    public static List<PatchOperation>? Changes(InventoryState before, DateTimeOffset latestBefore, InventoryState after, DateTimeOffset latestAfter, IEnumerable<string> touchedItems)
    {
        var operations = new List<PatchOperation> { PatchOperation.Set("/state/version", after.Version) };
        if (latestAfter != latestBefore)
            operations.Add(PatchOperation.Set("/latestOccurredAt", EventCodec.FormatOccurredAt(latestAfter)));
        foreach (var itemId in touchedItems.Distinct(StringComparer.Ordinal))
        {
            var (was, now) = (before.QuantityOf(itemId), after.QuantityOf(itemId));
            if (now == was)
                continue;
            if (!IsPatchable(itemId))
                return null;
            var path = "/state/items/" + EscapePathSegment(itemId);
            // Remove fails on a missing path (400), so only an item the stored head holds is removed.
            operations.Add(now == 0 ? PatchOperation.Remove(path) : PatchOperation.Set(path, now));
        }
        return operations;
    }

    /// <summary>
    /// Whether a patch path can name the item's property. Cosmos DB reads a path segment made only of digits as a
    /// number: one of 20 or more digits is refused (400 "Token(...) has length longer than expected",
    /// azure-cosmos-dotnet-v3 #4817, #5154), and what it makes of shorter ones (leading zeros) is not documented, so such
    /// ids are never patched.
    /// </summary>
    internal static bool IsPatchable(string itemId) => !itemId.All(char.IsAsciiDigit);

    /// <summary>A property name as one JSON Pointer segment (RFC 6901, which Cosmos DB patch paths follow): <c>~</c> → <c>~0</c>, <c>/</c> → <c>~1</c>.</summary>
    internal static string EscapePathSegment(string propertyName) =>
        propertyName.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

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
