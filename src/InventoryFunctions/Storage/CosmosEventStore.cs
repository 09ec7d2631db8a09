using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Storage;

/// <summary>
/// The event store on Cosmos DB. Each inventory is one logical partition of the events container holding its
/// events (id = version, so two writers of one version collide), its head and its idempotency records.
/// An append is one <see cref="TransactionalBatch"/>: head (guarded by its etag) + events (+ idempotency record).
/// Round trips: a command costs a head point read plus the batch, and only the batch once this instance has
/// seen the inventory, since the head and its etag are cached; a stale cache costs one 412 and a reload.
/// </summary>
public sealed partial class CosmosEventStore(CosmosClient client, IOptions<CosmosOptions> options, IOptions<SnapshotOptions> snapshots, IMemoryCache cache, TimeProvider time)
    : IEventStore, IEventLogReader, IHistoryReader
{
    private static readonly MemoryCacheEntryOptions CacheEntry = new() { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) };

    private readonly Container _events = client.GetContainer(options.Value.DatabaseName, options.Value.EventsContainerName);

    public async ValueTask<StreamHead> LoadHeadAsync(string inventoryId, bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && cache.TryGetValue(CacheKey(inventoryId), out StreamHead? cached) && cached is not null)
            return cached;

        using var response = await _events.ReadItemStreamAsync(HeadDocument.Id, new PartitionKey(inventoryId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return StreamHead.New;
        response.EnsureSuccessStatusCode();

        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        var head = new StreamHead(HeadDocument.DecodeState(document.RootElement), response.Headers.ETag, HeadDocument.DecodeLatestOccurredAt(document.RootElement));
        cache.Set(CacheKey(inventoryId), head, CacheEntry);
        return head;
    }

    public async Task<StreamHead> CatchUpAsync(string inventoryId, StreamHead head, CancellationToken cancellationToken)
    {
        // Usually the head is current: one point read of the next version says so, cheaper than a query.
        using (var probe = await _events.ReadItemStreamAsync(EventCodec.DocumentId(head.State.Version + 1), new PartitionKey(inventoryId), cancellationToken: cancellationToken))
        {
            if (probe.StatusCode == HttpStatusCode.NotFound)
                return head;
            probe.EnsureSuccessStatusCode();
        }

        var query = new QueryDefinition("SELECT * FROM c WHERE c.version > @after ORDER BY c.version")
            .WithParameter("@after", head.State.Version);
        var (state, latest) = (head.State, head.LatestOccurredAt);
        await foreach (var e in QueryEventsAsync(inventoryId, query, cancellationToken))
            (state, latest) = (Fold(inventoryId, state, e), Later(latest, e.OccurredAt));
        return head with { State = state, LatestOccurredAt = latest };
    }

    public async Task<AppendResult> AppendAsync(string inventoryId, StreamHead head, IReadOnlyList<RecordedEvent> events, IdempotencyRecord? idempotency, CancellationToken cancellationToken)
    {
        // One pass over the events: the state after them, the latest instant, and the snapshots they reach.
        var (newState, latest) = (head.State, head.LatestOccurredAt);
        var snapshotDocuments = new List<byte[]>();
        foreach (var e in events)
        {
            (newState, latest) = (Inventory.Evolve(newState, e.Event), Later(latest, e.OccurredAt));
            if (newState.Version % snapshots.Value.Interval == 0)
                snapshotDocuments.Add(SnapshotDocument.Encode(inventoryId, newState, latest));
        }

        // Operation order decides which failure Cosmos reports first: head, then idempotency record, then events.
        var batch = _events.CreateTransactionalBatch(new PartitionKey(inventoryId));
        var headDocument = new MemoryStream(HeadDocument.Encode(inventoryId, newState, latest));
        if (head.ETag is null)
            batch.CreateItemStream(headDocument);
        else
            batch.ReplaceItemStream(HeadDocument.Id, headDocument, new TransactionalBatchItemRequestOptions { IfMatchEtag = head.ETag });
        if (idempotency is not null)
            batch.CreateItemStream(new MemoryStream(IdempotencyDocument.Encode(inventoryId, idempotency, time.GetUtcNow())));
        foreach (var e in events)
            batch.CreateItemStream(new MemoryStream(EventCodec.Encode(inventoryId, e)));
        foreach (var snapshot in snapshotDocuments)
            batch.CreateItemStream(new MemoryStream(snapshot));

        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            var appended = new StreamHead(newState, response[0].ETag, latest);
            cache.Set(CacheKey(inventoryId), appended, CacheEntry);
            return new AppendResult.Appended(appended);
        }

        var failed = FirstFailedOperation(response);
        var conflict = response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed;
        if (!conflict || failed < 0)
            throw new CosmosException($"Append to inventory '{inventoryId}' failed: {response.ErrorMessage}",
                response.StatusCode, 0, response.ActivityId, response.RequestCharge);

        cache.Remove(CacheKey(inventoryId));
        if (failed == 0)
            return new AppendResult.HeadChanged();
        if (idempotency is not null && failed == 1)
            return new AppendResult.IdempotencyKeyUsed();
        return new AppendResult.LogAhead();
    }

    public async Task<IdempotencyRecord?> FindIdempotencyRecordAsync(string inventoryId, string key, CancellationToken cancellationToken)
    {
        using var response = await _events.ReadItemStreamAsync(IdempotencyDocument.IdFor(key), new PartitionKey(inventoryId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return IdempotencyDocument.Decode(document.RootElement);
    }

    public async Task<EventPage> ReadEventsAsync(string inventoryId, long fromVersion, int maxCount, CancellationToken cancellationToken)
    {
        // Versions are contiguous, so a version range bounds the page without TOP; one more tells if there is a next page.
        var query = new QueryDefinition("SELECT * FROM c WHERE c.version >= @from AND c.version <= @to ORDER BY c.version")
            .WithParameter("@from", fromVersion)
            .WithParameter("@to", fromVersion + maxCount);
        var events = new List<RecordedEvent>(Math.Min(maxCount + 1, 1024));
        await foreach (var e in QueryEventsAsync(inventoryId, query, cancellationToken, pageSize: maxCount + 1))
        {
            // The audit log must not hide a hole: versions are contiguous by construction.
            if (e.Version != fromVersion + events.Count)
                throw new CorruptEventException(inventoryId, EventCodec.DocumentId(fromVersion + events.Count),
                    $"version {fromVersion + events.Count} is missing from the log while version {e.Version} exists");
            events.Add(e);
        }

        if (events.Count <= maxCount)
            return new EventPage(events, null);
        return new EventPage(events[..maxCount], events[maxCount].Version);
    }

    public async Task<IReadOnlyList<LoggedDocument>> ReadRangeAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.version >= @from AND c.version <= @to ORDER BY c.version")
            .WithParameter("@from", fromVersion)
            .WithParameter("@to", toVersion);
        var documents = new List<LoggedDocument>();
        await foreach (var document in QueryLogAsync(inventoryId, query, cancellationToken))
            documents.Add(document);
        return documents;
    }

    public async IAsyncEnumerable<string> ListInventoryIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Cross-partition, but served by the index on version: one document per inventory.
        var query = new QueryDefinition("SELECT VALUE c.inventoryId FROM c WHERE c.version = 1");
        using var iterator = _events.GetItemQueryIterator<string>(query, requestOptions: new QueryRequestOptions { MaxItemCount = 1000 });
        while (iterator.HasMoreResults)
        {
            foreach (var inventoryId in await iterator.ReadNextAsync(cancellationToken))
                yield return inventoryId;
        }
    }

    /// <summary>Decoded events of a log query; an undecodable one stops the read, since nothing can be folded past it.</summary>
    private async IAsyncEnumerable<RecordedEvent> QueryEventsAsync(string inventoryId, QueryDefinition query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = 1000)
    {
        await foreach (var document in QueryLogAsync(inventoryId, query, cancellationToken, pageSize))
        {
            switch (document.Result)
            {
                case DecodeResult.Decoded decoded:
                    yield return decoded.Event;
                    break;
                case DecodeResult.Malformed malformed:
                    throw new CorruptEventException(inventoryId, malformed.Id, malformed.Reason);
            }
        }
    }

    /// <summary>Every event document (numeric top-level version) a single-partition query returns, as the codec reads it.</summary>
    private async IAsyncEnumerable<LoggedDocument> QueryLogAsync(string inventoryId, QueryDefinition query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = 1000)
    {
        using var iterator = _events.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = new PartitionKey(inventoryId),
            MaxItemCount = pageSize,
            // One partition: send the query straight to it. Without this the SDK first asks the gateway for a query
            // plan (one more round trip per query) wherever it cannot compute plans itself, as on Linux.
            EnableOptimisticDirectExecution = true,
        });
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                var result = EventCodec.TryDecode(document);
                if (result is not DecodeResult.NotAnEvent && document.GetProperty("version").TryGetInt64(out var version))
                    yield return new LoggedDocument(version, result);
            }
        }
    }

    private static int FirstFailedOperation(TransactionalBatchResponse response)
    {
        for (var i = 0; i < response.Count; i++)
        {
            if (response[i].StatusCode is not HttpStatusCode.FailedDependency and not HttpStatusCode.OK and not HttpStatusCode.Created)
                return i;
        }
        return -1;
    }

    private static string CacheKey(string inventoryId) => "head:" + inventoryId;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
