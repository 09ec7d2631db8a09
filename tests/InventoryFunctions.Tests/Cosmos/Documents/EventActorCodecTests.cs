using System.Text;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Tests.Cosmos.Documents;

/// <summary>The actor on an event document: an optional property added to schemaVersion 2, so old events keep reading.</summary>
public class EventActorCodecTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, 123, TimeSpan.Zero);

    private static DecodeResult Decode(string json)
    {
        using var document = JsonDocument.Parse(json);
        return EventCodec.TryDecode(document.RootElement);
    }

    [Fact]
    public void An_event_with_an_actor_is_written_with_it_last_and_reads_back_equal()
    {
        var recorded = new RecordedEvent(3, At, new ItemAdded("sword", 2)) { Actor = new Actor(ActorKind.Server, "sp-1", "app-9") };

        var json = Encoding.UTF8.GetString(EventCodec.Encode("inv-1", recorded));

        Assert.EndsWith(""","actor":{"kind":"server","id":"sp-1","appId":"app-9"}}""", json, StringComparison.Ordinal);
        Assert.Equal(recorded, Assert.IsType<DecodeResult.Decoded>(Decode(json)).Event);
    }

    [Fact]
    public void An_event_written_before_actors_were_recorded_reads_as_actor_unknown()
    {
        var decoded = Assert.IsType<DecodeResult.Decoded>(Decode(
            """{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00.1230000Z"}"""));

        Assert.Null(decoded.Event.Actor);
    }

    [Fact]
    public void An_event_without_an_actor_is_written_without_the_property()
    {
        var json = Encoding.UTF8.GetString(EventCodec.Encode("inv-1", new RecordedEvent(1, At, new ItemAdded("sword", 1))));

        Assert.DoesNotContain("actor", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"player-1\"")]
    [InlineData("""{"kind":"robot","id":"x"}""")]
    [InlineData("""{"kind":"player"}""")]
    [InlineData("""{"kind":"player","id":""}""")]
    public void A_malformed_actor_is_reported_not_guessed(string actor)
    {
        var result = Decode($$"""{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00.1230000Z","actor":{{actor}}}""");

        Assert.Contains("actor", Assert.IsType<DecodeResult.Malformed>(result).Reason, StringComparison.Ordinal);
    }
}
