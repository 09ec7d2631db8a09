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
        var query = DocumentOperations.DocumentsWithIds(ids);
        var watermarks = new Dictionary<string, Watermark>(StringComparer.Ordinal);
        var counts = buckets.ToDictionary(b => b, b => new StoredCounts(CollectedCounts.Empty(shard, b), null));
        await foreach (var document in _projections.QueryDocumentsAsync(query, cancellationToken, new PartitionKey(ShardPartition(shard))))
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
            batch.CreateOrReplaceItemStream(WatermarkId(watermark.InventoryId), EncodeWatermark(shard, watermark), watermark.ETag);
        foreach (var stored in counts)
            batch.CreateOrReplaceItemStream(CountsId(stored.Counts.Bucket), EncodeCounts(stored.Counts), stored.ETag);
        using var response = await batch.TryExecuteAsync("The global counters' batch", cancellationToken);
        return response is not null;
    }

    public async Task<IReadOnlyList<CollectedCounts>> ReadBucketsAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition($"SELECT * FROM c WHERE c.kind = @kind AND c.bucket IN ({string.Join(", ", buckets.Select((_, i) => "@b" + i))})")
            .WithParameter("@kind", CountsKind);
        var i = 0;
        foreach (var bucket in buckets)
            query = query.WithParameter("@b" + i++, bucket);
        var counts = new List<CollectedCounts>();
        await foreach (var document in _projections.QueryDocumentsAsync(query, cancellationToken))
            counts.Add(DecodeCounts(document).Counts);
        return counts;
    }

    public async Task<StoredBoard> ReadBoardAsync(CancellationToken cancellationToken) =>
        await _projections.ReadDocumentAsync(BoardId, new PartitionKey(BoardPartition), DecodeBoard, cancellationToken) is { } found
            ? new StoredBoard(found.Value, found.ETag)
            : new StoredBoard(CollectedBoard.Empty, null);

    public async Task<bool> TryWriteBoardAsync(CollectedBoard board, string? etag, CancellationToken cancellationToken) =>
        await _projections.TryCreateOrReplaceAsync(EncodeBoard(board), BoardId, new PartitionKey(BoardPartition), etag, cancellationToken) is not null;
}
