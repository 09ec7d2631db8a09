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
/// An append is one <see cref="TransactionalBatch"/>: head (guarded by its etag) + events (+ idempotency record, + a
/// transfer's record or receipt); the
/// head is patched with what the events change, so an append's bytes do not grow with the items held.
/// Round trips: a command costs a head point read plus the batch, and only the batch once this instance has
/// seen the inventory, since the head and its etag are cached; a stale cache costs one 412 and a reload.
/// </summary>
public sealed class CosmosEventStore(CosmosClient client, IOptions<CosmosOptions> options, IOptions<SnapshotOptions> snapshots, IMemoryCache cache, TimeProvider time)
    : IInventoryStream
{
    private static readonly MemoryCacheEntryOptions CacheEntry = new() { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) };

    /// <summary>Cosmos DB applies at most 10 operations per patch.</summary>
    internal const int MaxOperationsPerPatch = 10;

    /// <summary>
    /// Batch operations answer with status and etag only, whatever the client's <c>EnableContentResponseOnWrite</c>:
    /// an answer carrying the head back would grow with the items held.
    /// </summary>
    private static TransactionalBatchItemRequestOptions NoContent => new() { EnableContentResponseOnWrite = false };

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

    public async Task<AppendResult> AppendAsync(string inventoryId, StreamHead head, IReadOnlyList<RecordedEvent> events, IdempotencyRecord? idempotency,
        CancellationToken cancellationToken, StreamCompanion? companion = null)
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

        // Operation order decides which failure Cosmos reports first: head, then idempotency record, then the companion
        // document, then events.
        var batch = _events.CreateTransactionalBatch(new PartitionKey(inventoryId));
        var headOperations = AddHeadWrite(batch, inventoryId, head, events, newState, latest);
        if (idempotency is not null)
            batch.CreateItemStream(new MemoryStream(IdempotencyDocument.Encode(inventoryId, idempotency, time.GetUtcNow())), NoContent);
        var companionAt = headOperations + (idempotency is null ? 0 : 1);
        switch (companion)
        {
            case StreamCompanion.CreateTransfer create:
                batch.CreateItemStream(new MemoryStream(TransferDocument.Encode(create.Transfer)), NoContent);
                break;
            case StreamCompanion.ReplaceTransfer replace:
                batch.ReplaceItemStream(TransferDocument.IdFor(replace.Transfer.TransferId), new MemoryStream(TransferDocument.Encode(replace.Transfer)),
                    new TransactionalBatchItemRequestOptions { IfMatchEtag = replace.ETag, EnableContentResponseOnWrite = false });
                break;
            case StreamCompanion.CreateReceipt receipt:
                batch.CreateItemStream(new MemoryStream(TransferDocument.EncodeReceipt(inventoryId, receipt.Receipt)), NoContent);
                break;
        }
        foreach (var e in events)
            batch.CreateItemStream(new MemoryStream(EventCodec.Encode(inventoryId, e)), NoContent);
        foreach (var snapshot in snapshotDocuments)
            batch.CreateItemStream(new MemoryStream(snapshot), NoContent);

        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            // The head's last operation carries its final etag.
            var appended = new StreamHead(newState, response[headOperations - 1].ETag, latest);
            cache.Set(CacheKey(inventoryId), appended, CacheEntry);
            return new AppendResult.Appended(appended);
        }

        var failed = FirstFailedOperation(response);
        // A head deleted since it was read fails the patch with 404: reload, find none, and rebuild it from the log.
        var conflict = response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed
            || (response.StatusCode == HttpStatusCode.NotFound && failed == 0);
        if (!conflict || failed < 0)
            throw new CosmosException($"Append to inventory '{inventoryId}' failed: {response.ErrorMessage}",
                response.StatusCode, 0, response.ActivityId, response.RequestCharge);

        cache.Remove(CacheKey(inventoryId));
        if (failed < headOperations)
            return new AppendResult.HeadChanged();
        if (idempotency is not null && failed == headOperations)
            return new AppendResult.IdempotencyKeyUsed();
        if (companion is not null && failed == companionAt)
            return new AppendResult.CompanionConflict();
        return new AppendResult.LogAhead();
    }

    /// <summary>
    /// Adds the head's write to the batch and says how many operations it took. A new head is created whole. An
    /// existing one is patched with what the events change (at most <see cref="MaxOperationsPerPatch"/> operations per
    /// patch, so several patches of the same document when needed, the first guarded by the etag), so that an append
    /// sends bytes in proportion to its events, not to the items held; that needs the state the stored head holds,
    /// which is <paramref name="head"/> when this instance last read or wrote the head at that etag and version. A head
    /// caught up from the log since (its document trails its state), or a change no patch path can name, is replaced whole.
    /// </summary>
    private int AddHeadWrite(TransactionalBatch batch, string inventoryId, StreamHead head, IReadOnlyList<RecordedEvent> events, InventoryState newState, DateTimeOffset latest)
    {
        if (head.ETag is null)
        {
            batch.CreateItemStream(new MemoryStream(HeadDocument.Encode(inventoryId, newState, latest)), NoContent);
            return 1;
        }

        var storedIsHead = cache.TryGetValue(CacheKey(inventoryId), out StreamHead? stored) && stored is not null
            && stored.ETag == head.ETag && stored.State.Version == head.State.Version;
        var changes = storedIsHead
            ? HeadDocument.Changes(head.State, head.LatestOccurredAt, newState, latest, events.Select(e => e.Event.ItemId))
            : null;
        if (changes is null)
        {
            batch.ReplaceItemStream(HeadDocument.Id, new MemoryStream(HeadDocument.Encode(inventoryId, newState, latest)),
                new TransactionalBatchItemRequestOptions { IfMatchEtag = head.ETag, EnableContentResponseOnWrite = false });
            return 1;
        }

        var patches = 0;
        foreach (var operations in changes.Chunk(MaxOperationsPerPatch))
        {
            // Operations of one batch apply in order, so only the first patch can check the etag the head was read at.
            batch.PatchItem(HeadDocument.Id, operations, new TransactionalBatchPatchItemRequestOptions
            {
                IfMatchEtag = patches == 0 ? head.ETag : null,
                EnableContentResponseOnWrite = false,
            });
            patches++;
        }
        return patches;
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
