using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Operations;
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
        await _projections.ReadDocumentAsync(jobId, Partition, RebuildJobDocument.Decode, cancellationToken) is { } found ? new StoredRebuildJob(found.Value, found.ETag) : null;

    public async Task<CurrentRebuild> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        var pointer = await _projections.ReadDocumentAsync(RebuildJobDocument.CurrentId, Partition, RebuildJobDocument.DecodeCurrent, cancellationToken);
        return new CurrentRebuild(pointer is { Value: { } jobId } ? await ReadAsync(jobId, cancellationToken) : null, pointer?.ETag);
    }

    public async Task<string?> TryStartAsync(RebuildJob job, string? pointerETag, CancellationToken cancellationToken)
    {
        var batch = _projections.CreateTransactionalBatch(Partition)
            .CreateOrReplaceItemStream(job.JobId, RebuildJobDocument.Encode(job), etag: null)
            .CreateOrReplaceItemStream(RebuildJobDocument.CurrentId, RebuildJobDocument.EncodeCurrent(job.JobId), pointerETag);
        using var response = await batch.TryExecuteAsync($"Starting rebuild job {job.JobId}", cancellationToken);
        return response?[0].ETag;
    }

    public async Task<bool> TryReplaceAsync(RebuildJob job, string etag, CancellationToken cancellationToken) =>
        await _projections.TryCreateOrReplaceAsync(RebuildJobDocument.Encode(job), job.JobId, Partition, etag, cancellationToken) is not null;
}
