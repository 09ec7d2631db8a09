using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The stored shape of <see cref="DwellTimeView"/>: the root <c>dwell-time</c> in the inventory's partition of the
/// projections container (version, <c>holding</c> <c>{"itemId": [oldestAddedAt, units]}</c>, the statistics over all
/// removed units <c>all</c>, skipped versions) and parts <c>dwell-time-0000</c>… holding per item its held runs
/// <c>[[addedAt, units], …]</c>, units removed, the exact sum of their dwells (seconds) and the sparse histogram
/// <c>{"bucket": units}</c>. A root of the shape before parts (every item in its <c>items</c>) still reads, in full: it
/// answers reads, and the projector recomputes it in parts from the log.
/// </summary>
public sealed class DwellTimeDocument : IViewCodec<DwellTimeView>
{
    public const string DocumentId = "dwell-time";
    public const string Kind = "dwell-time";

    public string Id => DocumentId;

    public string PartId(int bucket) => PartDocuments.PartId(DocumentId, bucket);

    public string InventoryIdOf(DwellTimeView view) => view.InventoryId;

    public byte[] Encode(DwellTimeView view) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, DocumentId, view.InventoryId, Kind);
        writer.WriteNumber("version", view.Version);
        writer.WriteStartObject("holding");
        foreach (var (itemId, held) in view.Holding)
        {
            writer.WriteStartArray(itemId);
            writer.WriteStringValue(EventCodec.FormatOccurredAt(held.OldestAddedAt));
            writer.WriteNumberValue(held.Units);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WritePropertyName("all");
        WriteDwell(writer, view.All);
        writer.WriteStartArray("skippedVersions");
        foreach (var version in view.SkippedVersions)
            writer.WriteNumberValue(version);
        writer.WriteEndArray();
        PartDocuments.WriteRootFields(writer, view.Parts);
        ParkingFields.Write(writer, view.Parked, view.FailedDeliveries);
        writer.WriteEndObject();
    }, 512);

    public IEnumerable<(string Id, byte[] Document)> EncodeChangedParts(DwellTimeView view) =>
        PartDocuments.EncodeChanged(DocumentId, view.InventoryId, view.Parts, (writer, bucket) =>
        {
            foreach (var (itemId, item) in bucket.Items)
            {
                writer.WritePropertyName(itemId);
                WriteDwell(writer, item);
            }
        });

    public DwellTimeView Decode(JsonElement document)
    {
        try
        {
            var (parked, failedDeliveries) = ParkingFields.Read(document);
            var inventoryId = document.GetProperty("inventoryId").GetString()!;
            var version = document.GetProperty("version").GetInt64();
            ImmutableList<long> skipped = [.. document.GetProperty("skippedVersions").EnumerateArray().Select(v => v.GetInt64())];
            var view = PartDocuments.ReadRootFields<DwellBucket>(document) is { } parts
                ? new DwellTimeView(inventoryId, version,
                    document.GetProperty("holding").EnumerateObject().ToImmutableSortedDictionary(h => h.Name,
                        h => new HeldSince(PartDocuments.ParseInstant(h.Value[0].GetString()!), h.Value[1].GetInt64()), StringComparer.Ordinal),
                    ReadDwell("", document.GetProperty("all")), skipped, parts)
                : FromItems(inventoryId, version, skipped, document.GetProperty("items"));
            return view with { Parked = parked, FailedDeliveries = failedDeliveries };
        }
        catch (Exception ex) when (PartDocuments.IsMalformed(ex))
        {
            throw new InvalidDataException($"Document is not a valid dwell-time view: {ex.Message}", ex);
        }
    }

    public DwellTimeView WithParts(DwellTimeView view, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts) =>
        view with
        {
            Parts = PartDocuments.Load(view.Parts, buckets, parts, (bucket, items) => new DwellBucket(bucket,
                items.EnumerateObject().ToImmutableSortedDictionary(i => i.Name, i => ReadDwell(i.Name, i.Value), StringComparer.Ordinal))),
        };

    /// <summary>A root of the shape before parts: every item in one document. All of it is loaded; it is not continued.</summary>
    private static DwellTimeView FromItems(string inventoryId, long version, ImmutableList<long> skipped, JsonElement items)
    {
        var all = items.EnumerateObject().Select(i => ReadDwell(i.Name, i.Value)).ToList();
        var parts = ViewParts.Fresh<DwellBucket>();
        parts = parts.WithLoaded(all.Select(i => ViewParts.BucketOf(i.ItemId)).Distinct(), []);
        foreach (var item in all)
        {
            var bucket = parts[ViewParts.BucketOf(item.ItemId)];
            parts = parts.Set(bucket with { Items = bucket.Items.SetItem(item.ItemId, item) });
        }
        var histogram = all.SelectMany(i => i.Histogram).GroupBy(b => b.Key).ToImmutableSortedDictionary(g => g.Key, g => g.Sum(b => b.Value));
        return new DwellTimeView(inventoryId, version,
            all.Where(i => i.Held.Count > 0).ToImmutableSortedDictionary(i => i.ItemId, i => new HeldSince(i.Held[0].AddedAt, i.HeldUnits), StringComparer.Ordinal),
            new ItemDwell("", [], all.Sum(i => i.Removed), all.Sum(i => i.TotalSeconds), histogram), skipped, parts.Saved())
        {
            Continuable = false,
        };
    }

    private static void WriteDwell(Utf8JsonWriter writer, ItemDwell item)
    {
        writer.WriteStartObject();
        if (item.Held.Count > 0)
        {
            writer.WriteStartArray("held");
            foreach (var run in item.Held)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(EventCodec.FormatOccurredAt(run.AddedAt));
                writer.WriteNumberValue(run.Units);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
        }
        writer.WriteNumber("removed", item.Removed);
        writer.WriteNumber("totalSeconds", item.TotalSeconds);
        writer.WriteStartObject("histogram");
        foreach (var (bucket, units) in item.Histogram)
            writer.WriteNumber(bucket.ToString(CultureInfo.InvariantCulture), units);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static ItemDwell ReadDwell(string itemId, JsonElement item) => new(
        itemId,
        item.TryGetProperty("held", out var held) ? [.. held.EnumerateArray().Select(run => new HeldRun(PartDocuments.ParseInstant(run[0].GetString()!), run[1].GetInt64()))] : [],
        item.GetProperty("removed").GetInt64(),
        item.GetProperty("totalSeconds").GetDecimal(),
        item.GetProperty("histogram").EnumerateObject()
            .ToImmutableSortedDictionary(b => int.Parse(b.Name, NumberStyles.None, CultureInfo.InvariantCulture), b => b.Value.GetInt64()));
}
