using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// What a request with an <c>Idempotency-Key</c> produced, created in the same batch as its events (so it exists
/// exactly when they do) and expired by Cosmos DB's per-item TTL after <see cref="RetentionSeconds"/>.
/// </summary>
/// <remarks>
/// The record stores what the application decided (<c>"outcome":"appended"</c>), never an HTTP status: the edge maps
/// the outcome to a status. Records written before held <c>statusCode</c> instead; it is ignored on read, since the
/// request hash already ties a record to one operation and so to one success status.
/// </remarks>
public static class IdempotencyDocument
{
    public const string Kind = "idempotency";

    /// <summary>Keys are remembered for 48 hours: the API promises at least 24.</summary>
    public const int RetentionSeconds = 48 * 60 * 60;

    /// <summary>The only outcome recorded: refusals write nothing, so they have no record to replay.</summary>
    public const string AppendedOutcome = "appended";

    /// <summary>Keys may hold characters Cosmos DB forbids in ids ('/', '\', '?', '#'), so the id is a hash.</summary>
    public static string IdFor(string key) =>
        "idempotency-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static byte[] Encode(string inventoryId, IdempotencyRecord record, DateTimeOffset createdAt)
    {
        return JsonDocumentWriter.Write(writer =>
        {
            JsonDocumentWriter.WriteStart(writer, IdFor(record.Key), inventoryId, Kind);
            writer.WriteString("key", record.Key);
            writer.WriteString("requestHash", record.RequestHash);
            writer.WriteString("outcome", AppendedOutcome);
            writer.WriteNumber("resultVersion", record.Version);
            writer.WriteStartArray("events");
            foreach (var e in record.Events)
                EventCodec.Write(writer, inventoryId, e);
            writer.WriteEndArray();
            writer.WriteString("createdAt", EventCodec.FormatOccurredAt(createdAt));
            writer.WriteNumber("ttl", RetentionSeconds);
            writer.WriteEndObject();
        }, 512);
    }

    public static IdempotencyRecord Decode(JsonElement document)
    {
        var events = new List<RecordedEvent>();
        foreach (var element in document.GetProperty("events").EnumerateArray())
        {
            events.Add(EventCodec.TryDecode(element) switch
            {
                DecodeResult.Decoded decoded => decoded.Event,
                var other => throw new InvalidDataException($"Idempotency record holds an undecodable event: {other}"),
            });
        }
        return new IdempotencyRecord(
            document.GetProperty("key").GetString()!,
            document.GetProperty("requestHash").GetString()!,
            document.GetProperty("resultVersion").GetInt64(),
            events);
    }
}
