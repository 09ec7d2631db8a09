using System.Net;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// The per-inventory views in the projections container (partition key: the inventory id), each stored as its codec
/// says (<see cref="ViewCodec"/>): one root alone is one point read; several roots, or roots with the parts a batch
/// needs, one single-partition query. A write is one transactional batch of the roots (each created, or replaced if
/// its etag still matches) and their changed parts (upserted: the roots' etags guard them all, and their generation
/// ties them to their root).
/// </summary>
public sealed class CosmosViewStore(CosmosClient client, IOptions<CosmosOptions> options) : IViewStore
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<IReadOnlyList<Stored<IVersionedView>?>> ReadAsync(string inventoryId, IReadOnlyList<ViewRead> views, CancellationToken cancellationToken)
    {
        var codecs = views.Select(v => ViewCodec.Of(v.View)).ToList();
        if (views is [{ Buckets.Count: 0 }])
        {
            var found = await _projections.ReadDocumentAsync(codecs[0].Id, new PartitionKey(inventoryId), root => root.Clone(), cancellationToken);
            return [found is { } root ? Decode(codecs[0], root.Value, root.ETag, [], []) : null];
        }

        var documents = await QueryAsync(inventoryId, [.. views.SelectMany((v, i) => v.Buckets.Select(codecs[i].PartId).Prepend(codecs[i].Id))], cancellationToken);
        return [.. views.Select((view, i) =>
        {
            var root = documents.FirstOrDefault(d => IdOf(d) == codecs[i].Id);
            return root.ValueKind == JsonValueKind.Undefined ? null : Decode(codecs[i], root, root.GetProperty("_etag").GetString()!, view.Buckets, PartsOf(codecs[i], view.Buckets, documents));
        })];
    }

    public async Task<IReadOnlyList<IVersionedView>> LoadPartsAsync(IReadOnlyList<(IVersionedView View, IReadOnlyCollection<int> Buckets)> views, CancellationToken cancellationToken)
    {
        if (views.All(v => v.Buckets.Count == 0))
            return [.. views.Select(v => v.View)];
        var codecs = views.Select(v => ViewCodec.Of(v.View.GetType())).ToList();
        var documents = await QueryAsync(views[0].View.InventoryId, [.. views.SelectMany((v, i) => v.Buckets.Select(codecs[i].PartId))], cancellationToken);
        return [.. views.Select((v, i) => v.Buckets.Count == 0 ? v.View : codecs[i].WithParts(v.View, v.Buckets, PartsOf(codecs[i], v.Buckets, documents)))];
    }

    public async Task<IReadOnlyList<string>?> TryWriteAsync(string inventoryId, IReadOnlyList<ViewWrite> views, CancellationToken cancellationToken)
    {
        var batch = _projections.CreateTransactionalBatch(new PartitionKey(inventoryId));
        var roots = new List<int>(views.Count);
        var operations = 0;
        foreach (var (view, etag) in views)
        {
            var codec = ViewCodec.Of(view.GetType());
            batch.CreateOrReplaceItemStream(codec.Id, codec.Encode(view), etag);
            roots.Add(operations++);
            foreach (var (_, part) in codec.EncodeChangedParts(view))
            {
                batch.UpsertItemStream(new MemoryStream(part), new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false });
                operations++;
            }
        }

        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            return null;
        var names = string.Join(", ", views.Select(v => ViewCodec.Of(v.View.GetType()).Id));
        // Permanent for these views (too large, malformed): the step parks them instead of retrying for ever.
        if (response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest)
            throw new ViewRejectedException(inventoryId, $"Cosmos DB refused the {names} documents ({(int)response.StatusCode} {response.StatusCode}): {response.ErrorMessage}");
        if (!response.IsSuccessStatusCode)
            throw new CosmosException($"Writing the {names} views of '{inventoryId}' failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
        return [.. roots.Select(i => response[i].ETag)];
    }

    private static string? IdOf(JsonElement document) => document.GetProperty("id").GetString();

    private static IEnumerable<JsonElement> PartsOf(ViewCodec codec, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> documents)
    {
        var ids = buckets.Select(codec.PartId).ToHashSet(StringComparer.Ordinal);
        return documents.Where(d => ids.Contains(IdOf(d)!));
    }

    private static Stored<IVersionedView> Decode(ViewCodec codec, JsonElement root, string etag, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts)
    {
        try
        {
            var view = codec.Decode(root);
            return new Stored<IVersionedView>(buckets.Count == 0 ? view : codec.WithParts(view, buckets, parts), etag);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return new Stored<IVersionedView>(null, etag);
        }
    }

    /// <summary>
    /// The documents of these ids in the inventory's partition: one query (one page for the roots and the parts of a
    /// change-feed batch: at most one bucket per document of the batch and view).
    /// </summary>
    private async Task<IReadOnlyList<JsonElement>> QueryAsync(string inventoryId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var documents = new List<JsonElement>();
        await foreach (var document in _projections.QueryDocumentsAsync(DocumentOperations.DocumentsWithIds(ids), cancellationToken, new PartitionKey(inventoryId)))
            documents.Add(document);
        return documents;
    }
}
