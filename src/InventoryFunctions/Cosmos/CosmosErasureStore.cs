using System.Net;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Erasure jobs in the events container, partition <c>$erasures</c> (<see cref="ErasureDocument"/>). Whether an id is
/// erased is one point read of the job its keyed hash names: no document holds the id for that.
/// </summary>
public sealed class CosmosErasureStore(CosmosClient client, IOptions<CosmosOptions> options, IOptions<ErasureOptions> erasure) : IErasureJobStore, IErasureRegistry
{
    private static readonly PartitionKey Partition = new(ErasureDocument.Partition);

    private readonly Container _events = client.GetContainer(options.Value.DatabaseName, options.Value.EventsContainerName);

    public async Task<bool> IsErasedAsync(string inventoryId, CancellationToken cancellationToken)
    {
        using var response = await _events.ReadItemStreamAsync(erasure.Value.JobIdFor(inventoryId), Partition, cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task<(StoredErasure Stored, bool Created)> CreateOrReadAsync(ErasureJob job, CancellationToken cancellationToken)
    {
        using (var created = await _events.CreateItemStreamAsync(new MemoryStream(ErasureDocument.Encode(job)), Partition, cancellationToken: cancellationToken))
        {
            if (created.IsSuccessStatusCode)
                return (new StoredErasure(job, created.Headers.ETag), true);
            if (created.StatusCode != HttpStatusCode.Conflict)
                created.EnsureSuccessStatusCode();
        }
        return (await ReadAsync(job.JobId, cancellationToken) ?? throw new CosmosException($"Erasure job {job.JobId} exists but cannot be read yet.",
            HttpStatusCode.ServiceUnavailable, 0, "", 0), false);
    }

    public async Task<StoredErasure?> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await _events.ReadItemStreamAsync(jobId, Partition, cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return new StoredErasure(ErasureDocument.Decode(document.RootElement), response.Headers.ETag);
    }

    public async Task<string?> TryReplaceAsync(ErasureJob job, string etag, CancellationToken cancellationToken)
    {
        using var response = await _events.ReplaceItemStreamAsync(new MemoryStream(ErasureDocument.Encode(job)), job.JobId, Partition,
            new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return response.Headers.ETag;
    }
}
