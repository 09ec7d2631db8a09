using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;
using static InventoryFunctions.Cosmos.Documents.GlobalCollectedDocuments;

namespace InventoryFunctions.Cosmos;

/// <summary>The global most-collected shards and board in the projections container (see <see cref="GlobalCollectedDocuments"/>).</summary>
public sealed class CosmosGlobalCollectedStore(CosmosClient client, IOptions<CosmosOptions> options) : IGlobalCollectedStore
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<ShardRead> ReadShardAsync(int shard, IReadOnlyCollection<string> inventoryIds, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        var ids = inventoryIds.Select(WatermarkId).Concat(buckets.Select(CountsId)).ToList();
        var query = new QueryDefinition($"SELECT * FROM c WHERE c.id IN ({string.Join(", ", ids.Select((_, i) => "@id" + i))})");
        for (var i = 0; i < ids.Count; i++)
            query = query.WithParameter("@id" + i, ids[i]);

        var watermarks = new Dictionary<string, Watermark>(StringComparer.Ordinal);
        var counts = buckets.ToDictionary(b => b, b => new StoredCounts(CollectedCounts.Empty(shard, b), null));
        await foreach (var document in QueryAsync(query, ShardPartition(shard), cancellationToken))
        {
            switch (document.GetProperty("kind").GetString())
            {
                case WatermarkKind:
                    var watermark = DecodeWatermark(document);
                    watermarks[watermark.InventoryId] = watermark;
                    break;
                case CountsKind:
                    var stored = DecodeCounts(document);
                    counts[stored.Counts.Bucket] = stored;
                    break;
            }
        }
        return new ShardRead(watermarks, counts);
    }

    public async Task<bool> TryCommitAsync(int shard, IReadOnlyList<Watermark> watermarks, IReadOnlyList<StoredCounts> counts, CancellationToken cancellationToken)
    {
        var batch = _projections.CreateTransactionalBatch(new PartitionKey(ShardPartition(shard)));
        foreach (var watermark in watermarks)
            Write(batch, WatermarkId(watermark.InventoryId), EncodeWatermark(shard, watermark), watermark.ETag);
        foreach (var stored in counts)
            Write(batch, CountsId(stored.Counts.Bucket), EncodeCounts(stored.Counts), stored.ETag);
        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            return false;
        if (!response.IsSuccessStatusCode)
            throw new CosmosException($"The global counters' batch failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
        return true;
    }

    public async Task<IReadOnlyList<CollectedCounts>> ReadBucketsAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition($"SELECT * FROM c WHERE c.kind = @kind AND c.bucket IN ({string.Join(", ", buckets.Select((_, i) => "@b" + i))})")
            .WithParameter("@kind", CountsKind);
        var i = 0;
        foreach (var bucket in buckets)
            query = query.WithParameter("@b" + i++, bucket);
        var counts = new List<CollectedCounts>();
        await foreach (var document in QueryAsync(query, partitionKey: null, cancellationToken))
            counts.Add(DecodeCounts(document).Counts);
        return counts;
    }

    public async Task<StoredBoard> ReadBoardAsync(CancellationToken cancellationToken)
    {
        using var response = await _projections.ReadItemStreamAsync(BoardId, new PartitionKey(BoardPartition), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return new StoredBoard(CollectedBoard.Empty, null);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return new StoredBoard(DecodeBoard(document.RootElement), response.Headers.ETag);
    }

    public async Task<bool> TryWriteBoardAsync(CollectedBoard board, string? etag, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(EncodeBoard(board));
        var partitionKey = new PartitionKey(BoardPartition);
        using var response = etag is null
            ? await _projections.CreateItemStreamAsync(body, partitionKey, cancellationToken: cancellationToken)
            : await _projections.ReplaceItemStreamAsync(body, BoardId, partitionKey, new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    private static void Write(TransactionalBatch batch, string id, byte[] document, string? etag)
    {
        if (etag is null)
            batch.CreateItemStream(new MemoryStream(document));
        else
            batch.ReplaceItemStream(id, new MemoryStream(document), new TransactionalBatchItemRequestOptions { IfMatchEtag = etag });
    }

    private async IAsyncEnumerable<JsonElement> QueryAsync(QueryDefinition query, string? partitionKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var iterator = _projections.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = partitionKey is null ? null : new PartitionKey(partitionKey),
            EnableOptimisticDirectExecution = partitionKey is not null,
        });
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
                yield return document.Clone();
        }
    }
}
