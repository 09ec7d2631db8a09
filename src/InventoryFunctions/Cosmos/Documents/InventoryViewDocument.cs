using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>The stored shape of <see cref="InventoryView"/>: one document per inventory in the projections container.</summary>
public static class InventoryViewDocument
{
    public const string Id = "view";

    public static byte[] Encode(InventoryView view)
    {
        return JsonDocumentWriter.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteString("inventoryId", view.InventoryId);
            writer.WriteNumber("version", view.Version);
            writer.WriteStartObject("items");
            foreach (var (itemId, count) in view.Items)
                writer.WriteNumber(itemId, count);
            writer.WriteEndObject();
            if (view.LegacyCollected is { } legacy)
                WriteLegacyCollected(writer, legacy);
            writer.WriteStartArray("skippedVersions");
            foreach (var version in view.SkippedVersions)
                writer.WriteNumberValue(version);
            writer.WriteEndArray();
            writer.WriteString("updatedAt", EventCodec.FormatOccurredAt(view.UpdatedAt));
            ParkingFields.Write(writer, view.Parked, view.FailedDeliveries);
            writer.WriteEndObject();
        }, 512);
    }

    /// <summary>Reads a stored view; a document that is not one (corrupted by hand, an old shape) throws <see cref="InvalidDataException"/>.</summary>
    public static InventoryView Decode(JsonElement document)
    {
        try
        {
            var items = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
            foreach (var item in document.GetProperty("items").EnumerateObject())
                items[item.Name] = item.Value.GetInt32();
            ImmutableList<CollectedItem>? legacy = document.TryGetProperty("collected", out var collected)
                ? [.. collected.EnumerateArray().Select(c => new CollectedItem(c.GetProperty("itemId").GetString()!, c.GetProperty("collected").GetInt64(),
                    c.TryGetProperty("overcount", out var overcount) ? overcount.GetInt64() : 0))]
                : null;
            var skipped = document.TryGetProperty("skippedVersions", out var s) ? s.EnumerateArray().Select(v => v.GetInt64()) : [];
            var (parked, failedDeliveries) = ParkingFields.Read(document);
            return new InventoryView(
                document.GetProperty("inventoryId").GetString()!,
                document.GetProperty("version").GetInt64(),
                items.ToImmutable(),
                [.. skipped],
                Instant(document.GetProperty("updatedAt")))
            {
                Parked = parked,
                FailedDeliveries = failedDeliveries,
                LegacyCollected = legacy,
            };
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"Projection document is not a valid inventory view: {ex.Message}", ex);
        }
    }

    private static void WriteLegacyCollected(Utf8JsonWriter writer, ImmutableList<CollectedItem> legacy)
    {
        writer.WriteStartArray("collected");
        foreach (var item in legacy)
        {
            writer.WriteStartObject();
            writer.WriteString("itemId", item.ItemId);
            writer.WriteNumber("collected", item.Collected);
            if (item.Overcount > 0)
                writer.WriteNumber("overcount", item.Overcount);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static DateTimeOffset Instant(JsonElement text) =>
        DateTimeOffset.Parse(text.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
