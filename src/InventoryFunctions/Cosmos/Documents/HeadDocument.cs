using System.Collections.Immutable;
using System.Text.Json;
using InventoryFunctions.Domain;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The per-inventory head: the state folded up to its version, in the inventory's partition of the events
/// container, written in the same transactional batch as the events it covers. Derived data: it can always
/// be rebuilt from the log. It has no top-level <c>version</c>, so event queries and the projector never see it.
/// Two layouts: a sharded head (written since request units were modelled) holds the version and the latest instant,
/// and its items live in <see cref="ItemShards"/> documents of their own (<see cref="HeadShardDocument"/>), so that an
/// append rewrites small documents whatever the items held (Cosmos DB bills a write, a patch too, by the size of the
/// document stored). An inline head (written before) holds its items in <c>state.items</c>; it keeps being read and
/// patched as it is until it is next written whole, which writes it sharded.
/// </summary>
public static class HeadDocument
{
    public const string Id = "head";
    public const string Kind = "head";

    /// <summary>Item shards of a sharded head: 1,000 items of 100-character ids make shards of about 3.5 KB.</summary>
    public const int ItemShards = 32;

    /// <summary>
    /// A sharded head: no <c>state.items</c> (so that code which only knows inline heads fails loudly instead of reading
    /// an empty inventory), the shard count, and the generation its shards carry: shards of another generation (left by
    /// a head written whole since) are not this head's and are ignored.
    /// </summary>
    public static byte[] Encode(string inventoryId, InventoryState state, DateTimeOffset latestOccurredAt, string generation)
    {
        return JsonDocumentWriter.Write(writer =>
        {
            JsonDocumentWriter.WriteStart(writer, Id, inventoryId, Kind);
            writer.WriteStartObject("state");
            writer.WriteNumber("version", state.Version);
            writer.WriteEndObject();
            writer.WriteString("latestOccurredAt", EventCodec.FormatOccurredAt(latestOccurredAt));
            writer.WriteNumber("itemShards", ItemShards);
            writer.WriteString("shardGeneration", generation);
            writer.WriteEndObject();
        });
    }

    /// <summary>The generation of a sharded head's shards; null for an inline head.</summary>
    public static string? ShardGeneration(JsonElement document) =>
        document.TryGetProperty("shardGeneration", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// The state a stored head holds: an inline head's own items, or a sharded head's version with the items of its
    /// shards of its generation among <paramref name="documents"/>.
    /// </summary>
    public static InventoryState DecodeState(JsonElement head, IEnumerable<JsonElement> documents)
    {
        if (ShardGeneration(head) is not { } generation)
            return DecodeState(head);
        var items = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var shard in documents.Where(d => HeadShardDocument.IsShardOf(d, generation)))
        {
            foreach (var (itemId, count) in HeadShardDocument.DecodeItems(shard))
                items[itemId] = count;
        }
        return new InventoryState(head.GetProperty("state").GetProperty("version").GetInt64(), items.ToImmutable());
    }

    /// <summary>
    /// What an append writes to a sharded head: the head's own patch (the version, the latest instant when it moved) and,
    /// per shard whose items changed, a patch of those items, or null to write the shard whole (it held none of this
    /// head's items before, so it may not exist or may be of another generation; or a changed id cannot be patched).
    /// </summary>
    public sealed record ShardedChanges(List<PatchOperation> Head, IReadOnlyList<(int Shard, List<PatchOperation>? Patch)> Shards);

    /// <summary>The writes that turn the sharded head holding <paramref name="before"/> into one holding <paramref name="after"/>.</summary>
    /// <param name="touchedItems">The items of the events between the two states; an item not among them is unchanged.</param>
    public static ShardedChanges ShardedChangesBetween(InventoryState before, DateTimeOffset latestBefore, InventoryState after, DateTimeOffset latestAfter, IEnumerable<string> touchedItems)
    {
        var head = new List<PatchOperation> { PatchOperation.Set("/state/version", after.Version) };
        if (latestAfter != latestBefore)
            head.Add(PatchOperation.Set("/latestOccurredAt", EventCodec.FormatOccurredAt(latestAfter)));
        var shards = new List<(int Shard, List<PatchOperation>? Patch)>();
        foreach (var group in touchedItems.Distinct(StringComparer.Ordinal).GroupBy(HeadShardDocument.ShardOf).OrderBy(g => g.Key))
        {
            var changes = ItemChanges(before, after, group, "/items/");
            if (changes is { Count: 0 })
                continue;
            var heldBefore = before.Items.Keys.Any(itemId => HeadShardDocument.ShardOf(itemId) == group.Key);
            shards.Add((group.Key, heldBefore ? changes : null));
        }
        return new ShardedChanges(head, shards);
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
        var items = ItemChanges(before, after, touchedItems.Distinct(StringComparer.Ordinal), "/state/items/");
        return items is null ? null : [.. operations, .. items];
    }

    /// <summary>Set or remove (at zero) each of <paramref name="itemIds"/> whose count changed; null when one cannot be patched.</summary>
    private static List<PatchOperation>? ItemChanges(InventoryState before, InventoryState after, IEnumerable<string> itemIds, string itemsPath)
    {
        var operations = new List<PatchOperation>();
        foreach (var itemId in itemIds)
        {
            var (was, now) = (before.QuantityOf(itemId), after.QuantityOf(itemId));
            if (now == was)
                continue;
            if (!IsPatchable(itemId))
                return null;
            var path = itemsPath + EscapePathSegment(itemId);
            // Remove fails on a missing path (400), so only an item the stored document holds is removed.
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

    /// <summary>The state an inline head (or a snapshot) holds.</summary>
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
