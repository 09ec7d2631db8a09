using System.Collections.Concurrent;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Stack;

/// <summary>Who made a Cosmos request: an HTTP function (a client's request) or the background (change feed, projector).</summary>
public enum Origin
{
    Http,
    Background,
}

public readonly record struct RequestKey(Origin Origin, string Container, string Operation);

/// <summary>What one change-feed batch cost the projector: the inventories in it and the requests made until the next batch.</summary>
public sealed class ChangeFeedBatch(int documents, int inventories)
{
    public int Documents { get; } = documents;

    public int Inventories { get; } = inventories;


    private long _projectorRequests;

    public long ProjectorRequests => Interlocked.Read(ref _projectorRequests);

    internal void Count() => Interlocked.Increment(ref _projectorRequests);
}

/// <summary>Request counts since a reset.</summary>
public sealed class LedgerCounts
{
    public ConcurrentDictionary<RequestKey, long> Requests { get; } = new();

    /// <summary>Requests and request charge by operation, all origins (what the app's CosmosRequestMetrics reports).</summary>
    public ConcurrentDictionary<string, (long Requests, double RequestCharge)> Metrics { get; } = new();
    public ConcurrentQueue<ChangeFeedBatch> Batches { get; } = new();

    public long Http => Requests.Where(kv => kv.Key.Origin == Origin.Http).Sum(kv => kv.Value);

    public long Count(Origin origin, string? container = null, string? operation = null) =>
        Requests.Where(kv => kv.Key.Origin == origin && (container is null || kv.Key.Container == container) && (operation is null || kv.Key.Operation == operation))
            .Sum(kv => kv.Value);
}

/// <summary>
/// Splits the app's Cosmos round trips by origin (HTTP function or background) and container, so that the benchmark
/// can say what one append, one GET or one change-feed batch costs while the others run. The app runs as two workers
/// on the same stores, each behind its own counting proxy: one serves the benchmark's HTTP load (its projector is
/// disabled), the other runs only the projector (the Cosmos DB trigger in the host, ProjectInventory in its worker);
/// every round trip on the first proxy is HTTP, every one on the second is background. It also reads each change-feed
/// page of the events container the way the projector does (event documents, by inventory), to count the inventories
/// per batch; the projector's requests until the next page belong to it (the change-feed processor works one page at a
/// time per lease, and the dev server has one lease).
/// </summary>
public sealed class RequestLedger(string eventsContainer, string projectionsContainer)
{
    private readonly object _batchLock = new();
    private LedgerCounts _phase = new();
    private ChangeFeedBatch? _currentBatch;

    /// <summary>Everything since the app started.</summary>
    public LedgerCounts Run { get; } = new();

    /// <summary>Since the last <see cref="ResetPhase"/>.</summary>
    public LedgerCounts Phase => _phase;

    /// <summary>Round trips made for HTTP requests since the app started (for per-request deltas when calls are sequential).</summary>
    public long HttpTotal => Interlocked.Read(ref _httpTotal);

    private long _httpTotal;

    /// <summary>
    /// Documents returned by the queries of HTTP requests since the app started (each query page's <c>x-ms-item-count</c>),
    /// for per-request deltas when calls are sequential: how many events a time-travel read replayed.
    /// </summary>
    public long HttpQueryDocuments => Interlocked.Read(ref _httpQueryDocuments);

    private long _httpQueryDocuments;

    /// <summary>The HTTP functions' round trips since the app started, by container and operation (for per-request deltas).</summary>
    public Dictionary<RequestKey, long> HttpSnapshot() =>
        Run.Requests.Where(kv => kv.Key.Origin == Origin.Http).ToDictionary(kv => kv.Key, kv => kv.Value);

    public LedgerCounts ResetPhase() => Interlocked.Exchange(ref _phase, new LedgerCounts());

    /// <summary>Counts one answered round trip of <paramref name="origin"/>'s proxy.</summary>
    public void Record(Origin origin, CosmosRequest request)
    {
        var operation = OperationName(request.Operation);
        if (operation == "metadata")
            return; // the SDK's own cached metadata reads, which the app's request handler never saw either
        var container = request.Container ?? "(account)";
        var key = new RequestKey(origin, container, operation);
        Run.Requests.AddOrUpdate(key, 1, (_, n) => n + 1);
        _phase.Requests.AddOrUpdate(key, 1, (_, n) => n + 1);
        _phase.Metrics.AddOrUpdate(operation, _ => (1, request.RequestCharge), (_, t) => (t.Requests + 1, t.RequestCharge + request.RequestCharge));
        if (origin == Origin.Http)
        {
            if (operation == "query" && request.Status is >= 200 and < 300 && request.ItemCount is { } items)
                Interlocked.Add(ref _httpQueryDocuments, items);
            Interlocked.Increment(ref _httpTotal);
            return;
        }
        if (operation == "change-feed" && container == eventsContainer && request.Status == 200 && request.Body is { } body)
            InspectChangeFeedPage(body);
        else if ((container == projectionsContainer && IsItemOperation(operation)) || (container == eventsContainer && operation is "query" or "read"))
            Volatile.Read(ref _currentBatch)?.Count();
    }

    private void InspectChangeFeedPage(byte[] page)
    {
        int documents = 0;
        var inventories = new HashSet<string>(StringComparer.Ordinal);
        using (var body = JsonDocument.Parse(page))
        {
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                documents++;
                // The projector's rule: documents with a numeric top-level version are events (decoded or malformed).
                if (EventCodec.TryDecode(document) is not DecodeResult.NotAnEvent
                    && document.TryGetProperty("inventoryId", out var inventoryId) && inventoryId.ValueKind == JsonValueKind.String)
                    inventories.Add(inventoryId.GetString()!);
            }
        }
        if (documents == 0)
            return;
        var batch = new ChangeFeedBatch(documents, inventories.Count);
        lock (_batchLock)
        {
            Volatile.Write(ref _currentBatch, batch);
            Run.Batches.Enqueue(batch);
            _phase.Batches.Enqueue(batch);
        }
    }

    /// <summary>The proxy's operation under the name the app's CosmosRequestMetrics gives it.</summary>
    private static string OperationName(string operation) => operation switch
    {
        "ChangeFeed" => "change-feed",
        "ReadFeed" => "read-feed",
        "Metadata" => "metadata",
        _ => operation.ToLowerInvariant(),
    };

    public static bool IsItemOperation(string operation) => operation is "read" or "create" or "upsert" or "replace" or "patch" or "delete";

    public static bool IsWrite(string operation) => operation is "create" or "upsert" or "replace" or "patch" or "delete";
}
