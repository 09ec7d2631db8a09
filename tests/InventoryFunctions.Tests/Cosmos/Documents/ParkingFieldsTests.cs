using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Cosmos.Documents;

/// <summary>Both per-inventory view documents keep the projector's failure record the same way, and read it back.</summary>
public class ParkingFieldsTests
{
    private static readonly Parking Parked = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero), "version 1 is missing from the log");

    [Fact]
    public void The_inventory_view_document_round_trips_parking_and_failed_deliveries()
    {
        var view = InventoryView.Empty("inv-1") with { Parked = Parked, FailedDeliveries = 2 };

        using var document = JsonDocument.Parse(InventoryViewDocument.Encode(view));
        var decoded = InventoryViewDocument.Decode(document.RootElement);

        Assert.Equal((Parked, 2), (decoded.Parked, decoded.FailedDeliveries));
    }

    [Fact]
    public void The_dwell_time_document_round_trips_parking_and_failed_deliveries()
    {
        var codec = new DwellTimeDocument();
        var view = DwellTimeView.Empty("inv-1").WithFailures(2, Parked);

        using var document = JsonDocument.Parse(codec.Encode(view));
        var decoded = codec.Decode(document.RootElement);

        Assert.Equal((Parked, 2), (decoded.Parked, decoded.FailedDeliveries));
        Assert.True(document.RootElement.TryGetProperty("parked", out _)); // what a query for parked views of any kind looks for
    }

    [Fact]
    public void A_healthy_view_document_has_neither_field()
    {
        using var document = JsonDocument.Parse(new DwellTimeDocument().Encode(DwellTimeView.Empty("inv-1")));

        Assert.False(document.RootElement.TryGetProperty("parked", out _));
        Assert.False(document.RootElement.TryGetProperty("failedDeliveries", out _));
    }
}
