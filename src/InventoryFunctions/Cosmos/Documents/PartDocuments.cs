using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// How a view that spans several documents stores its parts: the root names its <c>generation</c> and the buckets that
/// have a part (<c>parts</c>); a part is <c>{"id": "&lt;root id&gt;-0042", "generation", "bucket", "items": {…}}</c> in the same
/// partition. A part of another generation (left by the view a rebuild replaced) reads as empty.
/// </summary>
internal static class PartDocuments
{
    public static string PartId(string rootId, int bucket) => rootId + "-" + bucket.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>Writes the root's <c>generation</c> and <c>parts</c>.</summary>
    public static void WriteRootFields<TPart>(Utf8JsonWriter writer, ViewParts<TPart> parts) where TPart : class, IViewPart<TPart>
    {
        writer.WriteString("generation", parts.Generation);
        writer.WriteStartArray("parts");
        foreach (var bucket in parts.Occupied)
            writer.WriteNumberValue(bucket);
        writer.WriteEndArray();
    }

    /// <summary>The root's parts, none loaded; null for a root of the shape before parts (no <c>generation</c>).</summary>
    public static ViewParts<TPart>? ReadRootFields<TPart>(JsonElement root) where TPart : class, IViewPart<TPart> =>
        root.TryGetProperty("generation", out var generation)
            ? ViewParts.New<TPart>(generation.GetString()!, root.GetProperty("parts").EnumerateArray().Select(b => b.GetInt32()))
            : null;

    public static IEnumerable<(string Id, byte[] Document)> EncodeChanged<TPart>(string rootId, string inventoryId, ViewParts<TPart> parts,
        Action<Utf8JsonWriter, TPart> writeItems) where TPart : class, IViewPart<TPart> =>
        parts.Changed.Select(bucket =>
        {
            var id = PartId(rootId, bucket);
            return (id, JsonDocumentWriter.Write(writer =>
            {
                JsonDocumentWriter.WriteStart(writer, id, inventoryId, rootId + "-part");
                writer.WriteString("generation", parts.Generation);
                writer.WriteNumber("bucket", bucket);
                writer.WriteStartObject("items");
                writeItems(writer, parts[bucket]);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }, 1024));
        });

    /// <summary>The parts of <paramref name="buckets"/> loaded from those of the documents that belong to the parts' generation.</summary>
    public static ViewParts<TPart> Load<TPart>(ViewParts<TPart> parts, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> documents,
        Func<int, JsonElement, TPart> readItems) where TPart : class, IViewPart<TPart>
    {
        try
        {
            var read = documents
                .Where(d => d.GetProperty("generation").GetString() == parts.Generation)
                .Select(d => readItems(d.GetProperty("bucket").GetInt32(), d.GetProperty("items")))
                .Where(p => buckets.Contains(p.Bucket))
                .ToList();
            return parts.WithLoaded(buckets, read);
        }
        catch (Exception ex) when (IsMalformed(ex))
        {
            throw new InvalidDataException($"A part document of generation {parts.Generation} is damaged: {ex.Message}", ex);
        }
    }

    /// <summary>The exceptions reading a document of the wrong shape throws.</summary>
    public static bool IsMalformed(Exception ex) =>
        ex is KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException or OverflowException or IndexOutOfRangeException;

    public static DateTimeOffset ParseInstant(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
