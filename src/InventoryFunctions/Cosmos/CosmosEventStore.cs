using System.Net;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// The command side's stream on Cosmos DB. Each inventory is one logical partition of the events container holding its
/// events (id = version, so two writers of one version collide), its head and its idempotency records.
/// An append is one <see cref="TransactionalBatch"/>: head (guarded by its etag) + events (+ idempotency record).
/// Round trips: a command costs a head point read plus the batch, and only the batch once this instance has
/// seen the inventory, since the head and its etag are cached; a stale cache costs one 412 and a reload.
/// </summary>
public sealed class CosmosEventStore(CosmosClient client, IOptions<CosmosOptions> options, IOptions<SnapshotOptions> snapshots, IMemoryCache cache, TimeProvider time)
    : IInventoryStream
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

        var (state, latest) = (head.State, head.LatestOccurredAt);
        await foreach (var e in _events.ReadEventsAsync(inventoryId, EventQueries.EventsAfter(head.State.Version), cancellationToken))
            (state, latest) = (LogFold.Next(inventoryId, state, e), Later(latest, e.OccurredAt));
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
