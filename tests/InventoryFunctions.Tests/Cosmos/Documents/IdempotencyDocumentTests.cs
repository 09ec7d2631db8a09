using System.Text;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Tests.Cosmos.Documents;

public class IdempotencyDocumentTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void A_record_stores_the_outcome_not_an_HTTP_status_and_reads_back_whole()
    {
        var events = new[] { new RecordedEvent(1, At, new ItemAdded("sword", 2)) };
        var record = new IdempotencyRecord("k1", "hash-1", 1, events);

        var document = Parse(Encoding.UTF8.GetString(IdempotencyDocument.Encode("inv-1", record, At)));

        Assert.Equal("appended", document.GetProperty("outcome").GetString());
        Assert.False(document.TryGetProperty("statusCode", out _));
        var decoded = IdempotencyDocument.Decode(document);
        Assert.Equal((record.Key, record.RequestHash, record.Version), (decoded.Key, decoded.RequestHash, decoded.Version));
        Assert.Equal(events, decoded.Events);
    }

    [Fact]
    public void A_record_written_before_outcomes_with_its_status_code_is_still_read()
    {
        var json = $$"""
            {"id":"{{IdempotencyDocument.IdFor("k1")}}","inventoryId":"inv-1","kind":"idempotency","key":"k1","requestHash":"hash-1",
             "statusCode":201,"resultVersion":1,
             "events":[{"id":"1","inventoryId":"inv-1","version":1,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00.0000000Z"}],
             "createdAt":"2026-05-01T12:00:00.0000000Z","ttl":172800}
            """;

        var decoded = IdempotencyDocument.Decode(Parse(json));

        Assert.Equal(("k1", "hash-1", 1L), (decoded.Key, decoded.RequestHash, decoded.Version));
        Assert.Equal([new RecordedEvent(1, At, new ItemAdded("sword", 2))], decoded.Events);
    }
}
