using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The stored shape of <see cref="DwellTimeView"/>: id <c>dwell-time</c> in the inventory's partition of the projections
/// container, beside the inventory view. Per item: held runs <c>[[addedAt, units], …]</c>, units removed, the exact sum
/// of their dwells (seconds) and the sparse histogram <c>{"bucket": units}</c>.
/// </summary>
public sealed class DwellTimeDocument : IViewCodec<DwellTimeView>
{
    public const string DocumentId = "dwell-time";
    public const string Kind = "dwell-time";

    public string Id => DocumentId;

    public string InventoryIdOf(DwellTimeView view) => view.InventoryId;

    public byte[] Encode(DwellTimeView view) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, DocumentId, view.InventoryId, Kind);
        writer.WriteNumber("version", view.Version);
        writer.WriteStartObject("items");
        foreach (var (itemId, item) in view.Items)
        {
            writer.WriteStartObject(itemId);
            writer.WriteStartArray("held");
            foreach (var run in item.Held)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(EventCodec.FormatOccurredAt(run.AddedAt));
                writer.WriteNumberValue(run.Units);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.WriteNumber("removed", item.Removed);
            writer.WriteNumber("totalSeconds", item.TotalSeconds);
            writer.WriteStartObject("histogram");
            foreach (var (bucket, units) in item.Histogram)
                writer.WriteNumber(bucket.ToString(CultureInfo.InvariantCulture), units);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteStartArray("skippedVersions");
        foreach (var version in view.SkippedVersions)
            writer.WriteNumberValue(version);
        writer.WriteEndArray();
        ParkingFields.Write(writer, view.Parked, view.FailedDeliveries);
        writer.WriteEndObject();
    }, 512);

    public DwellTimeView Decode(JsonElement document)
    {
        try
        {
            var items = ImmutableSortedDictionary.CreateBuilder<string, ItemDwell>(StringComparer.Ordinal);
            foreach (var item in document.GetProperty("items").EnumerateObject())
            {
                var held = item.Value.GetProperty("held").EnumerateArray()
                    .Select(run => new HeldRun(ParseInstant(run[0].GetString()!), run[1].GetInt64()));
                var histogram = item.Value.GetProperty("histogram").EnumerateObject()
                    .ToImmutableSortedDictionary(b => int.Parse(b.Name, NumberStyles.None, CultureInfo.InvariantCulture), b => b.Value.GetInt64());
                items[item.Name] = new ItemDwell(item.Name, [.. held], item.Value.GetProperty("removed").GetInt64(),
                    item.Value.GetProperty("totalSeconds").GetDecimal(), histogram);
            }
            var (parked, failedDeliveries) = ParkingFields.Read(document);
            return new DwellTimeView(
                document.GetProperty("inventoryId").GetString()!,
                document.GetProperty("version").GetInt64(),
                items.ToImmutable(),
                [.. document.GetProperty("skippedVersions").EnumerateArray().Select(v => v.GetInt64())])
            {
                Parked = parked,
                FailedDeliveries = failedDeliveries,
            };
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException or OverflowException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"Document is not a valid dwell-time view: {ex.Message}", ex);
        }
    }

    private static DateTimeOffset ParseInstant(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
