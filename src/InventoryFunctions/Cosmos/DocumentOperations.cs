using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Cosmos;

/// <summary>A document as a point read found it: its decoded value and the etag a guarded write names.</summary>
internal readonly record struct FoundDocument<T>(T Value, string ETag);

/// <summary>
/// The shapes every adapter's Cosmos DB calls take, each written once, through the stream API (no serializer): a point
/// read (404 → null), a write guarded by an etag (a lost race → null, not an exception), and a query read page by
/// page. They go through the client's handlers like any other call, so <see cref="CosmosRequestMetrics"/> still counts
/// each round trip under its operation and origin.
/// </summary>
internal static class DocumentOperations
{
    /// <summary>One point read, decoded with its etag; null when there is no such document. Any other failure throws.</summary>
    public static async Task<FoundDocument<T>?> ReadDocumentAsync<T>(this Container container, string id, PartitionKey partitionKey,
        Func<JsonElement, T> decode, CancellationToken cancellationToken)
    {
        using var response = await container.ReadItemStreamAsync(id, partitionKey, cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return new FoundDocument<T>(decode(document.RootElement), response.Headers.ETag);
    }

    /// <summary>
    /// Creates the document (<paramref name="etag"/> null: it must not exist yet) or replaces it if it is still at
    /// <paramref name="etag"/>. The new etag, or null when another writer got there first: 409 on a create, 412 (or 404,
    /// the document went) on a replace. Any other failure throws.
    /// </summary>
    public static async Task<string?> TryCreateOrReplaceAsync(this Container container, byte[] document, string id, PartitionKey partitionKey,
        string? etag, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(document);
        using var response = etag is null
            ? await container.CreateItemStreamAsync(body, partitionKey, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken)
            : await container.ReplaceItemStreamAsync(body, id, partitionKey, new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken);
        if (etag is null ? response.StatusCode == HttpStatusCode.Conflict : response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return response.Headers.ETag;
    }

    /// <summary>In a transactional batch: creates the document (<paramref name="etag"/> null) or replaces it if it is still at <paramref name="etag"/>.</summary>
    public static TransactionalBatch CreateOrReplaceItemStream(this TransactionalBatch batch, string id, byte[] document, string? etag) =>
        etag is null
            ? batch.CreateItemStream(new MemoryStream(document))
            : batch.ReplaceItemStream(id, new MemoryStream(document), new TransactionalBatchItemRequestOptions { IfMatchEtag = etag });

    /// <summary>
    /// Runs a batch of etag-guarded writes: the response when it committed, null when another writer got there first
    /// (412 or 409 on one of its operations). Any other failure throws, naming <paramref name="what"/>.
    /// </summary>
    public static async Task<TransactionalBatchResponse?> TryExecuteAsync(this TransactionalBatch batch, string what, CancellationToken cancellationToken)
    {
        var response = await batch.ExecuteAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict
                || response.Any(r => r.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict))
                return null;
            throw new CosmosException($"{what} failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
        }
    }

    /// <summary>The documents with these ids (one parameter each), for one query of a partition.</summary>
    public static QueryDefinition DocumentsWithIds(IReadOnlyList<string> ids)
    {
        var query = new QueryDefinition($"SELECT * FROM c WHERE c.id IN ({string.Join(", ", ids.Select((_, i) => "@id" + i))})");
        for (var i = 0; i < ids.Count; i++)
            query = query.WithParameter("@id" + i, ids[i]);
        return query;
    }

    /// <summary>
    /// Every document a query returns, page by page (the continuation loop), each cloned (a page's buffer is released
    /// once it is read through). With <paramref name="partitionKey"/> the query goes straight to that one partition;
    /// without it, it runs across partitions.
    /// </summary>
    public static async IAsyncEnumerable<JsonElement> QueryDocumentsAsync(this Container container, QueryDefinition query,
        [EnumeratorCancellation] CancellationToken cancellationToken, PartitionKey? partitionKey = null, int? pageSize = null)
    {
        using var iterator = container.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = partitionKey,
            MaxItemCount = pageSize,
            // One partition: send the query straight to it. Without this the SDK first asks the gateway for a query
            // plan (one more round trip per query) wherever it cannot compute plans itself, as on Linux.
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
