using System.Net;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Per-inventory views of one kind in the projections container (partition key: the inventory id): the root read with
/// one point read, or together with the parts a batch needs in one single-partition query; written as one
/// transactional batch of the root (created, or replaced if its etag still matches) and the changed parts (upserted:
/// the root's etag guards them all, and their generation ties them to it).
/// </summary>
public sealed class CosmosViewStore<TView>(CosmosClient client, IOptions<CosmosOptions> options, IViewCodec<TView> codec) : IViewStore<TView>
    where TView : class
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<Stored<TView>?> ReadAsync(string inventoryId, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        if (buckets.Count == 0)
        {
            using var response = await _projections.ReadItemStreamAsync(codec.Id, new PartitionKey(inventoryId), cancellationToken: cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
                return null;
            response.EnsureSuccessStatusCode();
            using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
            return Decode(document.RootElement, response.Headers.ETag, buckets, []);
        }

        var documents = await QueryAsync(inventoryId, [codec.Id, .. buckets.Select(codec.PartId)], cancellationToken);
        var root = documents.FirstOrDefault(d => d.GetProperty("id").GetString() == codec.Id);
        return root.ValueKind == JsonValueKind.Undefined ? null : Decode(root, root.GetProperty("_etag").GetString()!, buckets, documents);
    }

    public async Task<TView> LoadPartsAsync(TView view, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken) =>
        buckets.Count == 0 ? view : codec.WithParts(view, buckets, await QueryAsync(codec.InventoryIdOf(view), [.. buckets.Select(codec.PartId)], cancellationToken));

    public async Task<string?> TryWriteAsync(TView view, string? etag, CancellationToken cancellationToken)
    {
        var inventoryId = codec.InventoryIdOf(view);
        var batch = _projections.CreateTransactionalBatch(new PartitionKey(inventoryId));
        var root = new MemoryStream(codec.Encode(view));
        if (etag is null)
            batch.CreateItemStream(root);
        else
            batch.ReplaceItemStream(codec.Id, root, new TransactionalBatchItemRequestOptions { IfMatchEtag = etag });
        foreach (var (_, part) in codec.EncodeChangedParts(view))
            batch.UpsertItemStream(new MemoryStream(part), new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false });

        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            return null;
        // Permanent for this view (too large, malformed): the projector parks the inventory instead of retrying for ever.
        if (response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest)
            throw new ViewRejectedException(inventoryId, $"Cosmos DB refused the {codec.Id} documents ({(int)response.StatusCode} {response.StatusCode}): {response.ErrorMessage}");
        if (!response.IsSuccessStatusCode)
            throw new CosmosException($"Writing the {codec.Id} view of '{inventoryId}' failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
        return response[0].ETag;
    }

    private Stored<TView> Decode(JsonElement root, string etag, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> documents)
    {
        try
        {
            var view = codec.Decode(root);
            return new Stored<TView>(buckets.Count == 0 ? view : codec.WithParts(view, buckets, documents.Where(d => d.GetProperty("id").GetString() != codec.Id)), etag);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return new Stored<TView>(null, etag);
        }
    }

    /// <summary>The documents of these ids in the inventory's partition: one query (one page: at most 1 + <see cref="VersionedViewProjector{TView}.MaxPartsPerWrite"/> ids is far below a page).</summary>
    private async Task<IReadOnlyList<JsonElement>> QueryAsync(string inventoryId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition($"SELECT * FROM c WHERE c.id IN ({string.Join(", ", ids.Select((_, i) => "@id" + i))})");
        for (var i = 0; i < ids.Count; i++)
            query = query.WithParameter("@id" + i, ids[i]);
        var documents = new List<JsonElement>();
        using var iterator = _projections.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = new PartitionKey(inventoryId),
            EnableOptimisticDirectExecution = true,
        });
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            documents.AddRange(body.RootElement.GetProperty("Documents").EnumerateArray().Select(d => d.Clone()));
        }
        return documents;
    }
}
