using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// An erasure's work on Cosmos DB. A partition is deleted with delete-by-partition-key when
/// <see cref="ErasureOptions.ErasureDeleteByPartitionKey"/> is on (one request; Cosmos DB deletes in the background and
/// hides the documents at once, so the partition is polled until a query reads it empty), otherwise page by page: one
/// single-partition query of up to 100 ids, one transactional batch deleting them, a pause of
/// <see cref="ErasureOptions.ErasureThrottleMs"/>. A 429 waits its retry-after and tries again, so an erasure yields
/// to the commands it competes with instead of failing. Every request's charge is summed into what the job reports.
/// </summary>
public sealed class CosmosInventoryPartitions(CosmosClient client, IOptions<CosmosOptions> options, IOptions<ErasureOptions> erasure, TimeProvider time,
    ILogger<CosmosInventoryPartitions> logger) : IInventoryPartitions
{
    private const int DeletesPerBatch = 100;
    private const int ItemsPerQuery = 100;
    private static readonly TimeSpan EmptyPollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan EmptyPollLimit = TimeSpan.FromMinutes(10);

    private readonly Container _events = client.GetContainer(options.Value.DatabaseName, options.Value.EventsContainerName);
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<ErasureCounts> MarkHeadErasingAsync(string inventoryId, string jobId, CancellationToken cancellationToken)
    {
        var key = new PartitionKey(inventoryId);
        using var patched = await _events.PatchItemStreamAsync(HeadDocument.Id, key, [PatchOperation.Set("/" + HeadDocument.ErasingField, jobId)],
            new PatchItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        if (patched.IsSuccessStatusCode)
            return new ErasureCounts(0, 1, patched.Headers.RequestCharge);
        if (patched.StatusCode != HttpStatusCode.NotFound)
            patched.EnsureSuccessStatusCode();
        // No head: one that refuses. A first command racing it conflicts on the head's id and reloads it; if the command won, patch again.
        using var created = await _events.CreateItemStreamAsync(new MemoryStream(HeadDocument.EncodeErasing(inventoryId, jobId)), key, cancellationToken: cancellationToken);
        if (created.StatusCode == HttpStatusCode.Conflict)
            return (await MarkHeadErasingAsync(inventoryId, jobId, cancellationToken)).Add(new ErasureCounts(0, 2, patched.Headers.RequestCharge + created.Headers.RequestCharge));
        created.EnsureSuccessStatusCode();
        return new ErasureCounts(0, 2, patched.Headers.RequestCharge + created.Headers.RequestCharge);
    }

    public async Task<IReadOnlyList<StoredTransfer>> DebitedTransfersAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var found = new List<StoredTransfer>();
        var debited = "SELECT * FROM c WHERE c.kind = @kind AND c.transferState = @state";
        await foreach (var document in _events.ReadDocumentsAsync(inventoryId, Parameters(new QueryDefinition(debited)), 100, cancellationToken))
            found.Add(TransferDocument.Decode(document));
        await foreach (var document in _events.QueryDocumentsAsync(Parameters(new QueryDefinition(debited + " AND c[\"to\"] = @id").WithParameter("@id", inventoryId)), cancellationToken))
            found.Add(TransferDocument.Decode(document));
        return found;

        static QueryDefinition Parameters(QueryDefinition query) => query.WithParameter("@kind", TransferDocument.Kind).WithParameter("@state", TransferStates.Debited);
    }

    public async Task<ErasureCounts> DeleteAllAsync(InventoryContainer container, string inventoryId, CancellationToken cancellationToken)
    {
        var target = container == InventoryContainer.Events ? _events : _projections;
        var key = new PartitionKey(inventoryId);
        var spent = ErasureCounts.None;
        while (erasure.Value.ErasureDeleteByPartitionKey)
        {
            var (count, counted) = await CountAsync(target, inventoryId, cancellationToken);
            using var response = await target.DeleteAllItemsByPartitionKeyStreamAsync(key, cancellationToken: cancellationToken);
            spent = spent.Add(counted).Add(new ErasureCounts(0, 1, response.Headers.RequestCharge));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await BackOffAsync(RetryAfter(response), cancellationToken);
                continue;
            }
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                logger.LogWarning("Cosmos DB refused delete-by-partition-key ({Message}): is the account capability DeleteAllItemsByPartitionKey on? Deleting in batches",
                    response.ErrorMessage);
                break;
            }
            response.EnsureSuccessStatusCode();
            // Cosmos DB deletes in the background: the partition counts as gone once it reads empty.
            var deadline = time.GetUtcNow() + EmptyPollLimit;
            while (true)
            {
                var (empty, polled) = await ReadEmptyAsync(target, inventoryId, cancellationToken);
                spent = spent.Add(polled);
                if (empty)
                    return spent.Add(new ErasureCounts(count, 0, 0));
                if (time.GetUtcNow() > deadline)
                    throw new TimeoutException($"A partition of '{target.Id}' still read non-empty {EmptyPollLimit} after its delete-by-partition-key; the job will be retried.");
                await Task.Delay(EmptyPollInterval, time, cancellationToken);
            }
        }

        while (true)
        {
            var (ids, queried) = await FirstIdsAsync(target, inventoryId, DeletesPerBatch, cancellationToken);
            spent = spent.Add(queried);
            if (ids.Count == 0)
                return spent;
            var batch = target.CreateTransactionalBatch(key);
            foreach (var id in ids)
                batch.DeleteItem(id, new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false });
            using var response = await batch.ExecuteAsync(cancellationToken);
            spent = spent.Add(new ErasureCounts(response.IsSuccessStatusCode ? ids.Count : 0, 1, response.RequestCharge));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                await BackOffAsync(response.RetryAfter, cancellationToken);
            else if (response.StatusCode == HttpStatusCode.NotFound)
                spent = spent.Add(await DeleteOneByOneAsync(target, key, ids, cancellationToken)); // one was deleted meanwhile: the batch fails as a whole
            else if (!response.IsSuccessStatusCode)
                throw new CosmosException($"Deleting a page of an erased inventory failed: {response.ErrorMessage}", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
            if (erasure.Value.ErasureThrottleMs > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(erasure.Value.ErasureThrottleMs), time, cancellationToken);
        }
    }

    public async Task<bool> IsEmptyAsync(InventoryContainer container, string inventoryId, CancellationToken cancellationToken) =>
        (await ReadEmptyAsync(container == InventoryContainer.Events ? _events : _projections, inventoryId, cancellationToken)).Empty;

    public async Task<ErasureCounts> PseudonymiseAsync(string inventoryId, string pseudonym, CancellationToken cancellationToken)
    {
        var spent = ErasureCounts.None;
        // Other inventories' transfer legs (counterparty), receipts (from) and records (to). Not indexed: a scan, once per erasure.
        var naming = new QueryDefinition("SELECT c.id, c.inventoryId, c.counterparty, c[\"from\"] AS sender, c[\"to\"] AS receiver FROM c "
            + "WHERE c.counterparty = @id OR c[\"from\"] = @id OR c[\"to\"] = @id").WithParameter("@id", inventoryId);
        await foreach (var document in _events.QueryDocumentsAsync(naming, cancellationToken))
        {
            var operations = new List<PatchOperation>();
            foreach (var (field, path) in new[] { ("counterparty", "/counterparty"), ("sender", "/from"), ("receiver", "/to") })
            {
                if (document.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() == inventoryId)
                    operations.Add(PatchOperation.Set(path, pseudonym));
            }
            using var patched = await _events.PatchItemStreamAsync(document.GetProperty("id").GetString()!, new PartitionKey(document.GetProperty("inventoryId").GetString()!),
                operations, new PatchItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
            if (patched.StatusCode != HttpStatusCode.NotFound)
                patched.EnsureSuccessStatusCode();
            spent = spent.Add(new ErasureCounts(0, 1, patched.Headers.RequestCharge));
        }

        // Idempotency records (48 h) repeat the events they answered: their transfer legs' counterparty too.
        var records = new QueryDefinition("SELECT c.id, c.inventoryId, c.events FROM c WHERE c.kind = @kind").WithParameter("@kind", IdempotencyDocument.Kind);
        await foreach (var document in _events.QueryDocumentsAsync(records, cancellationToken))
        {
            var legs = document.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array
                ? events.EnumerateArray().Select((e, i) => (e, i)).Where(x => x.e.TryGetProperty("counterparty", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() == inventoryId)
                    .Select(x => PatchOperation.Set($"/events/{x.i}/counterparty", pseudonym)).ToList()
                : [];
            if (legs.Count == 0)
                continue;
            using var patched = await _events.PatchItemStreamAsync(document.GetProperty("id").GetString()!, new PartitionKey(document.GetProperty("inventoryId").GetString()!),
                legs, new PatchItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
            if (patched.StatusCode != HttpStatusCode.NotFound)
                patched.EnsureSuccessStatusCode();
            spent = spent.Add(new ErasureCounts(0, 1, patched.Headers.RequestCharge));
        }

        // Rebuild-all job reports list inventories that failed.
        var reports = new QueryDefinition("SELECT * FROM c WHERE ARRAY_CONTAINS(c.failedInventories, @id)").WithParameter("@id", inventoryId);
        await foreach (var document in _projections.ReadDocumentsAsync(RebuildJobDocument.Partition, reports, 100, cancellationToken).Select(d => d.Clone()))
        {
            var node = JsonNode.Parse(document.GetRawText())!.AsObject();
            var failed = node["failedInventories"]!.AsArray();
            for (var i = 0; i < failed.Count; i++)
            {
                if (failed[i]?.GetValue<string>() == inventoryId)
                    failed[i] = pseudonym;
            }
            using var replaced = await _projections.ReplaceItemStreamAsync(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(node)), document.GetProperty("id").GetString()!,
                new PartitionKey(RebuildJobDocument.Partition), new ItemRequestOptions { IfMatchEtag = document.GetProperty("_etag").GetString(), EnableContentResponseOnWrite = false },
                cancellationToken);
            if (replaced.StatusCode == HttpStatusCode.PreconditionFailed)
                throw new ContentionException("A rebuild job's report changed while pseudonymising it; the erasure will be retried.");
            replaced.EnsureSuccessStatusCode();
            spent = spent.Add(new ErasureCounts(0, 1, replaced.Headers.RequestCharge));
        }
        return spent;
    }

    public async Task<IReadOnlyList<AddingEvent>> AddingEventsAsync(IReadOnlyCollection<string> itemIds, string except, CancellationToken cancellationToken)
    {
        var found = new List<AddingEvent>();
        foreach (var chunk in itemIds.Chunk(ItemsPerQuery))
        {
            var names = string.Join(", ", chunk.Select((_, i) => "@i" + i));
            var query = new QueryDefinition($"SELECT * FROM c WHERE c.inventoryId != @except AND ((c.type = @added AND c.itemId IN ({names})) OR (c.type = @legacy AND c.data IN ({names})))")
                .WithParameter("@except", except).WithParameter("@added", EventTypes.ItemAdded).WithParameter("@legacy", EventDocument.LegacyTypes.ItemAdded);
            for (var i = 0; i < chunk.Length; i++)
                query = query.WithParameter("@i" + i, chunk[i]);
            await foreach (var document in _events.QueryDocumentsAsync(query, cancellationToken))
            {
                if (EventCodec.TryDecode(document) is DecodeResult.Decoded { Event.Event: ItemAdded } decoded)
                    found.Add(new AddingEvent(decoded.InventoryId, decoded.Event));
            }
        }
        return found;
    }

    private static async Task<ErasureCounts> DeleteOneByOneAsync(Container target, PartitionKey key, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var spent = ErasureCounts.None;
        foreach (var id in ids)
        {
            using var deleted = await target.DeleteItemStreamAsync(id, key, cancellationToken: cancellationToken);
            if (deleted.StatusCode != HttpStatusCode.NotFound)
                deleted.EnsureSuccessStatusCode();
            spent = spent.Add(new ErasureCounts(deleted.IsSuccessStatusCode ? 1 : 0, 1, deleted.Headers.RequestCharge));
        }
        return spent;
    }

    private static TimeSpan? RetryAfter(ResponseMessage response) =>
        double.TryParse(response.Headers["x-ms-retry-after-ms"], System.Globalization.CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : null;

    private async Task BackOffAsync(TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var wait = retryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1);
        logger.LogInformation("Erasure throttled by Cosmos DB; backing off {Milliseconds} ms", (int)wait.TotalMilliseconds);
        await Task.Delay(wait, time, cancellationToken);
    }

    private static async Task<(bool Empty, ErasureCounts Spent)> ReadEmptyAsync(Container target, string inventoryId, CancellationToken cancellationToken)
    {
        var (ids, spent) = await FirstIdsAsync(target, inventoryId, 1, cancellationToken);
        return (ids.Count == 0, spent);
    }

    private static async Task<(long Count, ErasureCounts Spent)> CountAsync(Container target, string inventoryId, CancellationToken cancellationToken)
    {
        var (values, spent) = await FirstPageAsync(target, inventoryId, new QueryDefinition("SELECT VALUE COUNT(1) FROM c"), 1, cancellationToken);
        return (values.Count == 0 ? 0 : values[0].GetInt64(), spent);
    }

    private static async Task<(IReadOnlyList<string> Ids, ErasureCounts Spent)> FirstIdsAsync(Container target, string inventoryId, int max, CancellationToken cancellationToken)
    {
        var (values, spent) = await FirstPageAsync(target, inventoryId, new QueryDefinition("SELECT VALUE c.id FROM c"), max, cancellationToken);
        return ([.. values.Select(v => v.GetString()!)], spent);
    }

    /// <summary>One page of a single-partition query (the first non-empty one), with what it cost.</summary>
    private static async Task<(IReadOnlyList<JsonElement> Values, ErasureCounts Spent)> FirstPageAsync(Container target, string inventoryId, QueryDefinition query, int max,
        CancellationToken cancellationToken)
    {
        using var iterator = target.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = new PartitionKey(inventoryId),
            MaxItemCount = max,
            EnableOptimisticDirectExecution = true,
        });
        var spent = ErasureCounts.None;
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            spent = spent.Add(new ErasureCounts(0, 1, page.Headers.RequestCharge));
            using var body = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            var values = body.RootElement.GetProperty("Documents").EnumerateArray().Select(v => v.Clone()).ToList();
            if (values.Count > 0)
                return (values, spent);
        }
        return ([], spent);
    }
}
