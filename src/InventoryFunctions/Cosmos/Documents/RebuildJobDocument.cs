using System.Text.Json;
using System.Text.Json.Serialization;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// Rebuild jobs in the projections container, all in the partition <c>$rebuild-jobs</c> (no inventory id can hold a
/// <c>$</c>, so no view shares it): one document per job, id = the job id (32 hex digits), and the pointer
/// <c>current</c> naming the latest job, which a start replaces in the same transactional batch that creates its job.
/// </summary>
public static class RebuildJobDocument
{
    public const string Partition = "$rebuild-jobs";
    public const string Kind = "rebuild-job";
    public const string CurrentId = "current";
    public const string CurrentKind = "rebuild-current";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static byte[] Encode(RebuildJob job) => JsonSerializer.SerializeToUtf8Bytes(new Stored(job.JobId, Partition, Kind, job.State, job.PageSize, job.PagesDone,
        job.NextContinuation, job.Rebuilt, job.Failed, job.FailedInventories, job.CreatedAt, job.StartedAt, job.UpdatedAt, job.CompletedAt, job.Error), Json);

    public static RebuildJob Decode(JsonElement document)
    {
        var stored = document.Deserialize<Stored>(Json) ?? throw new InvalidDataException("A rebuild job document is null.");
        if (stored.Kind != Kind)
            throw new InvalidDataException($"Document '{stored.Id}' is a {stored.Kind}, not a {Kind}.");
        return new RebuildJob(stored.Id, stored.State, stored.PageSize, stored.PagesDone, stored.NextContinuation, stored.Rebuilt, stored.Failed,
            stored.FailedInventories ?? [], stored.CreatedAt, stored.StartedAt, stored.UpdatedAt, stored.CompletedAt, stored.Error);
    }

    public static byte[] EncodeCurrent(string jobId) =>
        JsonSerializer.SerializeToUtf8Bytes(new Current(CurrentId, Partition, CurrentKind, jobId), Json);

    public static string DecodeCurrent(JsonElement document) =>
        document.Deserialize<Current>(Json)?.JobId ?? throw new InvalidDataException("The current rebuild pointer names no job.");

    private sealed record Stored(
        string Id, string InventoryId, string Kind, RebuildJobState State, int PageSize, int PagesDone, string? NextContinuation,
        int Rebuilt, int Failed, IReadOnlyList<string>? FailedInventories, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
        DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, string? Error);

    private sealed record Current(string Id, string InventoryId, string Kind, string JobId);
}
