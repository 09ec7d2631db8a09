using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The stored shapes of the global most-collected board, in the projections container under partition keys no
/// inventory can have (<c>$</c> is not allowed in an inventory id): per shard <c>$collected-{shard}</c> the watermarks
/// (<c>wm-{inventoryId}</c>) and counters (<c>counts-{bucket}</c>), and the merged board (<c>board</c> in <c>$collected-board</c>).
/// An item total is stored as <c>[itemId, collected, firstAt, firstInventoryId, firstVersion]</c>.
/// </summary>
public static class GlobalCollectedDocuments
{
    public const string WatermarkKind = "collected-watermark";
    public const string CountsKind = "collected-counts";
    public const string BoardKind = "collected-board";
    public const string BoardId = "board";
    public const string BoardPartition = "$collected-board";

    public static string ShardPartition(int shard) => "$collected-" + shard.ToString(CultureInfo.InvariantCulture);

    public static string WatermarkId(string inventoryId) => "wm-" + inventoryId;

    public static string InventoryOfWatermark(string watermarkId) => watermarkId["wm-".Length..];

    public static string CountsId(int bucket) => "counts-" + bucket.ToString(CultureInfo.InvariantCulture);

    public static byte[] EncodeWatermark(int shard, Watermark watermark) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, WatermarkId(watermark.InventoryId), ShardPartition(shard), WatermarkKind);
        writer.WriteString("of", watermark.InventoryId);
        writer.WriteNumber("version", watermark.Version);
        if (watermark.Skipped.Count > 0)
        {
            writer.WriteStartArray("skipped");
            foreach (var version in watermark.Skipped)
                writer.WriteNumberValue(version);
            writer.WriteEndArray();
        }
        ParkingFields.Write(writer, watermark.Parked, watermark.FailedDeliveries);
        writer.WriteEndObject();
    });

    public static byte[] EncodeCounts(CollectedCounts counts) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, CountsId(counts.Bucket), ShardPartition(counts.Shard), CountsKind);
        writer.WriteNumber("shard", counts.Shard);
        writer.WriteNumber("bucket", counts.Bucket);
        writer.WriteStartArray("items");
        foreach (var total in counts.Items.Values)
            WriteTotal(writer, total);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }, 1024);

    public static byte[] EncodeBoard(CollectedBoard board) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, BoardId, BoardPartition, BoardKind);
        writer.WriteStartObject("buckets");
        foreach (var (bucket, top) in board.Buckets)
        {
            writer.WriteStartArray(bucket.ToString(CultureInfo.InvariantCulture));
            foreach (var total in top)
                WriteTotal(writer, total);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }, 4096);

    public static Watermark DecodeWatermark(JsonElement document)
    {
        var (parked, failedDeliveries) = ParkingFields.Read(document);
        return new(document.GetProperty("of").GetString()!, document.GetProperty("version").GetInt64(), document.GetProperty("_etag").GetString())
        {
            Parked = parked,
            FailedDeliveries = failedDeliveries,
            Skipped = document.TryGetProperty("skipped", out var skipped) ? [.. skipped.EnumerateArray().Select(v => v.GetInt64())] : [],
        };
    }

    public static StoredCounts DecodeCounts(JsonElement document) => new(
        new CollectedCounts(document.GetProperty("shard").GetInt32(), document.GetProperty("bucket").GetInt32(),
            document.GetProperty("items").EnumerateArray().Select(ReadTotal).ToImmutableSortedDictionary(t => t.ItemId, t => t, StringComparer.Ordinal)),
        document.TryGetProperty("_etag", out var etag) ? etag.GetString() : null);

    public static CollectedBoard DecodeBoard(JsonElement document) => new(
        document.GetProperty("buckets").EnumerateObject().ToImmutableSortedDictionary(
            b => int.Parse(b.Name, NumberStyles.None, CultureInfo.InvariantCulture),
            b => b.Value.EnumerateArray().Select(ReadTotal).ToImmutableList()));

    private static void WriteTotal(Utf8JsonWriter writer, ItemTotal total)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(total.ItemId);
        writer.WriteNumberValue(total.Collected);
        writer.WriteStringValue(EventCodec.FormatOccurredAt(total.First.At));
        writer.WriteStringValue(total.First.InventoryId);
        writer.WriteNumberValue(total.First.Version);
        writer.WriteEndArray();
    }

    private static ItemTotal ReadTotal(JsonElement t) => new(t[0].GetString()!, t[1].GetInt64(),
        new FirstAdded(DateTimeOffset.Parse(t[2].GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            t[3].GetString()!, t[4].GetInt64()));
}
