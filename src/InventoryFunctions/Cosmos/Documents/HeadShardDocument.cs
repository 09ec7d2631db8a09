using System.Text;
using System.Text.Json;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// One of a sharded head's <see cref="HeadDocument.ItemShards"/> item documents: the counts of the held items whose id
/// hashes to it, and the generation of the head it belongs to. Written only in the head's own batches (guarded by the
/// head's etag), derived like the head. No top-level <c>version</c>, so event queries and the projectors skip it.
/// </summary>
public static class HeadShardDocument
{
    public const string Kind = "head-items";

    public static string IdFor(int shard) => $"head-items-{shard:D2}";

    /// <summary>The shard of an item: FNV-1a over its UTF-8 bytes, stable across processes and releases (unlike string.GetHashCode).</summary>
    public static int ShardOf(string itemId)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(itemId))
            hash = (hash ^ b) * 16777619u;
        return (int)(hash % HeadDocument.ItemShards);
    }

    /// <summary>The shard whole: the items of <paramref name="state"/> that hash to <paramref name="shard"/>.</summary>
    public static byte[] Encode(string inventoryId, int shard, string generation, InventoryState state)
    {
        return JsonDocumentWriter.Write(writer =>
        {
            JsonDocumentWriter.WriteStart(writer, IdFor(shard), inventoryId, Kind);
            writer.WriteString("generation", generation);
            writer.WriteStartObject("items");
            foreach (var (itemId, count) in state.Items.Where(i => ShardOf(i.Key) == shard))
                writer.WriteNumber(itemId, count);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    public static bool IsShardOf(JsonElement document, string generation) =>
        document.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == Kind
        && document.TryGetProperty("generation", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() == generation;

    public static IEnumerable<(string ItemId, int Count)> DecodeItems(JsonElement document) =>
        document.GetProperty("items").EnumerateObject().Select(item => (item.Name, item.Value.GetInt32()));
}
