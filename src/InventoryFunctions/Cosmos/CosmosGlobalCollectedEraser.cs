using System.Net;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;
using static InventoryFunctions.Cosmos.Documents.GlobalCollectedDocuments;

namespace InventoryFunctions.Cosmos;

/// <summary>The global counters' side of an erasure, on the documents of <see cref="CosmosGlobalCollectedStore"/> (read through it, unguarded).</summary>
public sealed class CosmosGlobalCollectedEraser(CosmosClient client, IOptions<CosmosOptions> options) : IGlobalCollectedEraser
{
    private readonly CosmosGlobalCollectedStore _store = new(client, options);
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public Task<ShardRead> ReadShardAsync(int shard, IReadOnlyCollection<string> inventoryIds, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken) =>
        _store.ReadShardAsync(shard, inventoryIds, buckets, cancellationToken);

    public async Task<bool> TryEraseAsync(int shard, Watermark erased, IReadOnlyList<StoredCounts> counts, CancellationToken cancellationToken)
    {
        var batch = _projections.CreateTransactionalBatch(new PartitionKey(ShardPartition(shard)));
        batch.DeleteItem(WatermarkId(erased.InventoryId), new TransactionalBatchItemRequestOptions { IfMatchEtag = erased.ETag });
        foreach (var stored in counts)
            batch.ReplaceItemStream(CountsId(stored.Counts.Bucket), new MemoryStream(EncodeCounts(stored.Counts)), new TransactionalBatchItemRequestOptions { IfMatchEtag = stored.ETag });
        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            return false;
        if (!response.IsSuccessStatusCode)
            throw new CosmosException($"The global counters' erasure batch failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
        return true;
    }
}
