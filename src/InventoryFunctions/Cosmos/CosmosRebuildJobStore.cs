using System.Net;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>Rebuild jobs in the projections container (<see cref="RebuildJobDocument"/>): point reads, etag-guarded writes.</summary>
public sealed class CosmosRebuildJobStore(CosmosClient client, IOptions<CosmosOptions> options) : IRebuildJobStore
{
    private static readonly PartitionKey Partition = new(RebuildJobDocument.Partition);
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<StoredRebuildJob?> ReadAsync(string jobId, CancellationToken cancellationToken) =>
        await ReadAsync(jobId, RebuildJobDocument.Decode, cancellationToken) is ({ } job, { } etag) ? new StoredRebuildJob(job, etag) : null;

    public async Task<CurrentRebuild> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        var (jobId, pointerETag) = await ReadAsync(RebuildJobDocument.CurrentId, RebuildJobDocument.DecodeCurrent, cancellationToken);
        return new CurrentRebuild(jobId is null ? null : await ReadAsync(jobId, cancellationToken), pointerETag);
    }

    public async Task<string?> TryStartAsync(RebuildJob job, string? pointerETag, CancellationToken cancellationToken)
    {
        using var jobBody = new MemoryStream(RebuildJobDocument.Encode(job));
        using var pointerBody = new MemoryStream(RebuildJobDocument.EncodeCurrent(job.JobId));
        var batch = _projections.CreateTransactionalBatch(Partition).CreateItemStream(jobBody);
        batch = pointerETag is null
            ? batch.CreateItemStream(pointerBody)
            : batch.ReplaceItemStream(RebuildJobDocument.CurrentId, pointerBody, new TransactionalBatchItemRequestOptions { IfMatchEtag = pointerETag });
        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
            return response[0].ETag;
        if (response.Any(r => r.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict))
            return null;
        throw new CosmosException($"Starting rebuild job {job.JobId} failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
    }

    public async Task<bool> TryReplaceAsync(RebuildJob job, string etag, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(RebuildJobDocument.Encode(job));
        using var response = await _projections.ReplaceItemStreamAsync(body, job.JobId, Partition, new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    private async Task<(T? Value, string? ETag)> ReadAsync<T>(string id, Func<JsonElement, T> decode, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await _projections.ReadItemStreamAsync(id, Partition, cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return (null, null);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return (decode(document.RootElement), response.Headers.ETag);
    }
}
