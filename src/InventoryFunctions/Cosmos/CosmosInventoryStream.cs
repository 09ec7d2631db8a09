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
/// An append is one <see cref="TransactionalBatch"/>: head (guarded by its etag) + its item shards + events
/// (+ idempotency record, + a transfer's record or receipt); the head and the shards are patched with what the events
/// change, so neither an append's bytes nor its request units grow with the items held (<see cref="HeadDocument"/> has
/// the layouts).
/// Round trips: a command costs one single-partition query for the head and its shards plus the batch, and only the
/// batch once this instance has seen the inventory, since the head and its etag are cached; a stale cache costs one
/// 412 and a reload.
/// </summary>
public sealed class CosmosInventoryStream(CosmosClient client, IOptions<CosmosOptions> options, IOptions<SnapshotOptions> snapshots, IMemoryCache cache, TimeProvider time)
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
        if (!refresh && cache.TryGetValue(CacheKey(inventoryId), out CachedHead? cached) && cached is not null)
            return cached.Head;

        // One page: the head and at most ItemShards shards, the whole state under 1 MB, well within a page's 4 MB.
        var documents = await _events.ReadDocumentsAsync(inventoryId, EventQueries.HeadDocuments(), HeadDocument.ItemShards + 1, cancellationToken)
            .ToListAsync(cancellationToken);
        if (documents.FirstOrDefault(d => d.GetProperty("id").GetString() == HeadDocument.Id) is not { ValueKind: JsonValueKind.Object } document)
            return StreamHead.New;

        var head = new StreamHead(HeadDocument.DecodeState(document, documents), document.GetProperty("_etag").GetString(), HeadDocument.DecodeLatestOccurredAt(document));
        cache.Set(CacheKey(inventoryId), new CachedHead(head, HeadDocument.ShardGeneration(document)), CacheEntry);
        return head;
    }

    public async Task<StreamHead> CatchUpAsync(string inventoryId, StreamHead head, CancellationToken cancellationToken)
    {
        // Usually the head is current: one point read of the next version says so, cheaper than a query.
        if (await _events.ReadDocumentAsync(EventCodec.DocumentId(head.State.Version + 1), new PartitionKey(inventoryId), static _ => true, cancellationToken) is null)
            return head;

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
        var (headOperations, stateOperations, generation) = AddHeadWrite(batch, inventoryId, head, events, newState, latest);
        if (idempotency is not null)
            batch.CreateItemStream(new MemoryStream(IdempotencyDocument.Encode(inventoryId, idempotency, time.GetUtcNow())), NoContent);
        var companionAt = stateOperations + (idempotency is null ? 0 : 1);
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
            cache.Set(CacheKey(inventoryId), new CachedHead(appended, generation), CacheEntry);
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
        if (failed < stateOperations)
            return new AppendResult.HeadChanged();
        if (idempotency is not null && failed == stateOperations)
            return new AppendResult.IdempotencyKeyUsed();
        if (companion is not null && failed == companionAt)
            return new AppendResult.CompanionConflict();
        return new AppendResult.LogAhead();
    }

    /// <summary>
    /// Adds the head's and its shards' writes to the batch; says how many operations the head's own took (the last one
    /// answers with its etag), how many all of them took, and the shard generation the head has after the batch (null:
    /// an inline head). A new head is created sharded, with its non-empty shards. An existing one is patched with what
    /// the events change (at most <see cref="MaxOperationsPerPatch"/> operations per patch, so several patches of one
    /// document when needed; the first of the head's checks the etag, and everything else in the batch follows it), so
    /// that an append sends bytes and costs request units in proportion to its events, not to the items held. That
    /// needs the documents the stored head holds, which are those this instance last read or wrote at that etag and
    /// version. A head caught up from the log since (its documents trail its state) is written whole, sharded, with a
    /// new generation (the shards of the old one are ignored from then on).
    /// </summary>
    private (int Head, int State, string? Generation) AddHeadWrite(TransactionalBatch batch, string inventoryId, StreamHead head, IReadOnlyList<RecordedEvent> events, InventoryState newState, DateTimeOffset latest)
    {
        if (head.ETag is null)
            return WriteWhole(batch, inventoryId, newState, latest, (id, body) => batch.CreateItemStream(body, NoContent));

        var stored = cache.TryGetValue(CacheKey(inventoryId), out CachedHead? cached) && cached is not null
            && cached.Head.ETag == head.ETag && cached.Head.State.Version == head.State.Version ? cached : null;
        var guarded = new TransactionalBatchItemRequestOptions { IfMatchEtag = head.ETag, EnableContentResponseOnWrite = false };
        if (stored?.Generation is { } generation)
        {
            var changes = HeadDocument.ShardedChangesBetween(head.State, head.LatestOccurredAt, newState, latest, events.Select(e => e.Event.ItemId));
            var headPatches = AddPatches(batch, HeadDocument.Id, changes.Head, head.ETag);
            var shardWrites = 0;
            foreach (var (shard, patch) in changes.Shards)
            {
                shardWrites += patch is null
                    ? Upsert(batch, HeadShardDocument.Encode(inventoryId, shard, generation, newState))
                    : AddPatches(batch, HeadShardDocument.IdFor(shard), patch, etag: null);
            }
            return (headPatches, headPatches + shardWrites, generation);
        }

        var inline = stored is null ? null
            : HeadDocument.Changes(head.State, head.LatestOccurredAt, newState, latest, events.Select(e => e.Event.ItemId));
        if (inline is null)
            return WriteWhole(batch, inventoryId, newState, latest, (id, body) => batch.ReplaceItemStream(id, body, guarded));
        var patches = AddPatches(batch, HeadDocument.Id, inline, head.ETag);
        return (patches, patches, null);
    }

    /// <summary>The head sharded and new, written by <paramref name="writeHead"/>, then each shard that holds items.</summary>
    private static (int Head, int State, string Generation) WriteWhole(TransactionalBatch batch, string inventoryId, InventoryState state, DateTimeOffset latest, Action<string, Stream> writeHead)
    {
        var generation = Guid.NewGuid().ToString("N")[..12];
        writeHead(HeadDocument.Id, new MemoryStream(HeadDocument.Encode(inventoryId, state, latest, generation)));
        var shards = state.Items.Keys.Select(HeadShardDocument.ShardOf).Distinct().Order().ToList();
        foreach (var shard in shards)
            Upsert(batch, HeadShardDocument.Encode(inventoryId, shard, generation, state));
        return (1, 1 + shards.Count, generation);
    }

    private static int Upsert(TransactionalBatch batch, byte[] document)
    {
        batch.UpsertItemStream(new MemoryStream(document), NoContent);
        return 1;
    }

    /// <summary>Patches of one document, <see cref="MaxOperationsPerPatch"/> operations each; only the first can check <paramref name="etag"/> (operations of a batch apply in order).</summary>
    private static int AddPatches(TransactionalBatch batch, string id, List<PatchOperation> operations, string? etag)
    {
        var patches = 0;
        foreach (var chunk in operations.Chunk(MaxOperationsPerPatch))
        {
            batch.PatchItem(id, chunk, new TransactionalBatchPatchItemRequestOptions
            {
                IfMatchEtag = patches == 0 ? etag : null,
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

    /// <summary>A head as this instance last read or wrote it, and its shard generation (null: an inline head).</summary>
    private sealed record CachedHead(StreamHead Head, string? Generation);

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
