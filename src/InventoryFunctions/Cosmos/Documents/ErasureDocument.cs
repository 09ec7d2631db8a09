using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// An erasure job's record, its receipt: in the events container under the partition key <c>$erasures</c> (no inventory
/// id can contain <c>$</c>), id = the job id (a keyed hash of the inventory id, so the point read that says "erased" needs
/// no id stored). <c>inventoryId</c> is the partition, never the erased id; the erased id is held in <c>subject</c> only
/// while the job runs. A completed receipt carries <c>ttl</c> (seconds), so Cosmos DB deletes it when it expires.
/// It has no top-level <c>version</c>, so the projectors and the log never take it for an event.
/// </summary>
public static class ErasureDocument
{
    public const string Partition = "$erasures";
    public const string Kind = "erasure";

    public static byte[] Encode(ErasureJob job) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, job.JobId, Partition, Kind);
        if (job.InventoryId is not null)
            writer.WriteString("subject", job.InventoryId);
        writer.WriteString("state", job.State);
        writer.WriteString("step", job.Step.ToString());
        writer.WriteString("path", job.Path);
        writer.WriteStartObject("requestedBy");
        writer.WriteString("kind", Actor.NameOf(job.RequestedBy.Kind));
        writer.WriteString("id", job.RequestedBy.Id);
        if (job.RequestedBy.AppId is not null)
            writer.WriteString("appId", job.RequestedBy.AppId);
        writer.WriteEndObject();
        writer.WriteString("createdAt", EventCodec.FormatOccurredAt(job.CreatedAt));
        WriteInstant(writer, "startedAt", job.StartedAt);
        writer.WriteString("updatedAt", EventCodec.FormatOccurredAt(job.UpdatedAt));
        WriteInstant(writer, "completedAt", job.CompletedAt);
        WriteInstant(writer, "expiresAt", job.ExpiresAt);
        writer.WriteNumber("documentsDeleted", job.Counts.DocumentsDeleted);
        writer.WriteNumber("requests", job.Counts.Requests);
        writer.WriteNumber("requestCharge", Math.Round(job.Counts.RequestCharge, 2));
        if (job.ExpiresAt is { } expires)
            writer.WriteNumber("ttl", Math.Max(1, (long)Math.Ceiling((expires - job.UpdatedAt).TotalSeconds)));
        writer.WriteEndObject();
    });

    public static ErasureJob Decode(JsonElement document)
    {
        var by = document.GetProperty("requestedBy");
        return new ErasureJob(
            document.GetProperty("id").GetString()!,
            document.TryGetProperty("subject", out var subject) ? subject.GetString() : null,
            document.GetProperty("state").GetString()!,
            Enum.Parse<ErasureStep>(document.GetProperty("step").GetString()!),
            new Actor(Actor.KindNamed(by.GetProperty("kind").GetString()) ?? ActorKind.Admin, by.GetProperty("id").GetString()!,
                by.TryGetProperty("appId", out var app) ? app.GetString() : null),
            document.GetProperty("path").GetString()!,
            ReadInstant(document, "createdAt")!.Value,
            ReadInstant(document, "startedAt"),
            ReadInstant(document, "updatedAt")!.Value,
            ReadInstant(document, "completedAt"),
            new ErasureCounts(document.GetProperty("documentsDeleted").GetInt64(), document.GetProperty("requests").GetInt64(), document.GetProperty("requestCharge").GetDouble()),
            ReadInstant(document, "expiresAt"));
    }

    private static void WriteInstant(Utf8JsonWriter writer, string name, DateTimeOffset? instant)
    {
        if (instant is { } value)
            writer.WriteString(name, EventCodec.FormatOccurredAt(value));
    }

    private static DateTimeOffset? ReadInstant(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null;
}
