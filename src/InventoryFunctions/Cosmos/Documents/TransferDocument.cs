using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// A transfer's record, in the sender's partition of the events container (id <c>transfer-{transferId}</c>), and the
/// receiver's receipt, in the receiver's partition (id <c>transfer-in-{transferId}</c>). Neither has a top-level
/// <c>version</c>, so event queries and the projectors never take them for events; neither has a TTL: the receipt
/// must outlive every redelivery and every replay of the feed, so it is kept as long as the log. The record's state is
/// stored as <c>transferState</c> (the API calls it <c>state</c>): <c>state</c> is the head's and snapshots' folded state.
/// </summary>
/// <remarks>
/// <code>{"id":"transfer-0f3c…","inventoryId":"player-1","kind":"transfer","transferId":"0f3c…","from":"player-1","to":"player-2",
///  "items":[{"itemId":"sword","quantity":1}],"transferState":"debited","reason":null,"createdAt":"…Z","completedAt":null}</code>
/// <code>{"id":"transfer-in-0f3c…","inventoryId":"player-2","kind":"transfer-receipt","transferId":"0f3c…","from":"player-1",
///  "outcome":"credited","reason":null,"at":"…Z"}</code>
/// </remarks>
public static class TransferDocument
{
    public const string Kind = "transfer";
    public const string ReceiptKind = "transfer-receipt";
    private const string Credited = "credited";
    private const string Refused = "refused";

    public static string IdFor(string transferId) => "transfer-" + transferId;

    public static string ReceiptIdFor(string transferId) => "transfer-in-" + transferId;

    public static byte[] Encode(TransferRecord transfer) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, IdFor(transfer.TransferId), transfer.From, Kind);
        writer.WriteString("transferId", transfer.TransferId);
        writer.WriteString("from", transfer.From);
        writer.WriteString("to", transfer.To);
        writer.WriteStartArray("items");
        foreach (var line in transfer.Items)
        {
            writer.WriteStartObject();
            writer.WriteString("itemId", line.ItemId);
            writer.WriteNumber("quantity", line.Quantity);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteString("transferState", transfer.State);
        WriteOptional(writer, "reason", transfer.Reason);
        writer.WriteString("createdAt", EventCodec.FormatOccurredAt(transfer.CreatedAt));
        WriteOptional(writer, "completedAt", transfer.CompletedAt is { } at ? EventCodec.FormatOccurredAt(at) : null);
        writer.WriteEndObject();
    });

    /// <summary>True for a document of <see cref="Kind"/> (what the change feed delivers among events and heads).</summary>
    public static bool IsTransfer(JsonElement document) =>
        document.ValueKind == JsonValueKind.Object && document.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.ValueEquals(Kind);

    /// <exception cref="InvalidDataException">The document is not a readable transfer record.</exception>
    public static StoredTransfer Decode(JsonElement document)
    {
        try
        {
            var items = document.GetProperty("items").EnumerateArray()
                .Select(l => new TransferLine(l.GetProperty("itemId").GetString()!, l.GetProperty("quantity").GetInt32())).ToList();
            var transfer = new TransferRecord(
                document.GetProperty("transferId").GetString()!, document.GetProperty("from").GetString()!, document.GetProperty("to").GetString()!, items,
                document.GetProperty("transferState").GetString()!, OptionalString(document, "reason"), Instant(document.GetProperty("createdAt").GetString()!),
                OptionalString(document, "completedAt") is { } completed ? Instant(completed) : null);
            return new StoredTransfer(transfer, document.TryGetProperty("_etag", out var etag) ? etag.GetString()! : string.Empty);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"Not a readable transfer record: {ex.Message}", ex);
        }
    }

    public static byte[] EncodeReceipt(string to, TransferReceipt receipt) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, ReceiptIdFor(receipt.TransferId), to, ReceiptKind);
        writer.WriteString("transferId", receipt.TransferId);
        writer.WriteString("from", receipt.From);
        writer.WriteString("outcome", receipt.Credited ? Credited : Refused);
        WriteOptional(writer, "reason", receipt.Reason);
        writer.WriteString("at", EventCodec.FormatOccurredAt(receipt.At));
        writer.WriteEndObject();
    });

    public static TransferReceipt DecodeReceipt(JsonElement document) => new(
        document.GetProperty("transferId").GetString()!, document.GetProperty("from").GetString()!,
        document.GetProperty("outcome").GetString() == Credited, OptionalString(document, "reason"), Instant(document.GetProperty("at").GetString()!));

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
            writer.WriteNull(name);
        else
            writer.WriteString(name, value);
    }

    private static string? OptionalString(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset Instant(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
