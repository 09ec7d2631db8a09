using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// How every per-inventory view document stores the projector's failure record: <c>"parked":{"at","reason"}</c> when
/// parked and <c>"failedDeliveries":n</c> while failures are being counted; both absent on a healthy view, so a query
/// for <c>IS_DEFINED(c.parked)</c> finds every parked view of any kind.
/// </summary>
public static class ParkingFields
{
    public static void Write(Utf8JsonWriter writer, Parking? parked, int failedDeliveries)
    {
        if (parked is not null)
        {
            writer.WriteStartObject("parked");
            writer.WriteString("at", EventCodec.FormatOccurredAt(parked.At));
            writer.WriteString("reason", parked.Reason);
            writer.WriteEndObject();
        }
        if (failedDeliveries > 0)
            writer.WriteNumber("failedDeliveries", failedDeliveries);
    }

    public static (Parking? Parked, int FailedDeliveries) Read(JsonElement document) => (
        document.TryGetProperty("parked", out var parked)
            ? new Parking(DateTimeOffset.Parse(parked.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                parked.GetProperty("reason").GetString()!)
            : null,
        document.TryGetProperty("failedDeliveries", out var failed) ? failed.GetInt32() : 0);
}
