using System.Collections.Concurrent;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Stack;

/// <summary>Who made a Cosmos request: an HTTP function (a client's request) or the background (change feed, projectors).</summary>
public enum Origin
{
    Http,
    Background,
}

public readonly record struct RequestKey(Origin Origin, string Container, string Operation);

/// <summary>Request counts since a reset.</summary>
public sealed class LedgerCounts
{
    public ConcurrentDictionary<RequestKey, long> Requests { get; } = new();

    /// <summary>Requests and request charge by operation, all origins (what the app's CosmosRequestMetrics reports).</summary>
    public ConcurrentDictionary<string, (long Requests, double RequestCharge)> Metrics { get; } = new();

    public long Http => Requests.Where(kv => kv.Key.Origin == Origin.Http).Sum(kv => kv.Value);

    public long Count(Origin origin, string? container = null, string? operation = null) =>
        Requests.Where(kv => kv.Key.Origin == origin && (container is null || kv.Key.Container == container) && (operation is null || kv.Key.Operation == operation))
            .Sum(kv => kv.Value);
}

/// <summary>A point in the HTTP functions' request stream, to take what one sequential call cost (<see cref="RequestLedger.Since"/>).</summary>
public sealed record HttpMark(Dictionary<RequestKey, long> Requests, long QueryDocuments);

/// <summary>What one sequential HTTP call cost: its round trips by "container operation", and the documents its queries returned.</summary>
public sealed record HttpCost(long Requests, IReadOnlyDictionary<string, long> ByOperation, long QueryDocuments)
{
    public long Of(string container, string operation) => ByOperation.GetValueOrDefault($"{container} {operation}");
}

/// <summary>
/// Splits the app's Cosmos round trips by origin (HTTP function or background) and container, so that the benchmark
/// can say what one append, one read or one change-feed batch costs while the others run. The app runs as several
/// workers on the same stores, each behind its own counting proxy: one serves the benchmark's HTTP load (every
/// change-feed function disabled), and each change-feed function runs alone in an instance of its own, whose round
/// trips go to its <see cref="ProjectorLedger"/>: so every page it reads and every request it makes is that view's.
/// </summary>
public sealed class RequestLedger(string eventsContainer, string projectionsContainer, string leasesContainer)
{
    private readonly List<ProjectorLedger> _projectors = [];
    private LedgerCounts _phase = new();
    private long _httpTotal;
    private long _httpQueryDocuments;

    /// <summary>Everything since the app started.</summary>
    public LedgerCounts Run { get; } = new();

    /// <summary>Since the last <see cref="ResetPhase"/>.</summary>
    public LedgerCounts Phase => _phase;

    /// <summary>One ledger per change-feed function, in the order they were added.</summary>
    public IReadOnlyList<ProjectorLedger> Projectors => _projectors;

    /// <summary>Round trips made for HTTP requests since the app started (for per-request deltas when calls are sequential).</summary>
    public long HttpTotal => Interlocked.Read(ref _httpTotal);

    /// <summary>
    /// Documents returned by the queries of HTTP requests since the app started (each query page's <c>x-ms-item-count</c>),
    /// for per-request deltas when calls are sequential: how many events a time-travel read replayed.
    /// </summary>
    public long HttpQueryDocuments => Interlocked.Read(ref _httpQueryDocuments);

    public LedgerCounts ResetPhase() => Interlocked.Exchange(ref _phase, new LedgerCounts());

    /// <summary>Where the HTTP functions' request stream is now.</summary>
    public HttpMark MarkHttp() =>
        new(Run.Requests.Where(kv => kv.Key.Origin == Origin.Http).ToDictionary(kv => kv.Key, kv => kv.Value), HttpQueryDocuments);

    /// <summary>What the HTTP functions did since <paramref name="mark"/> (exact when calls are sequential).</summary>
    public HttpCost Since(HttpMark mark)
    {
        var now = MarkHttp();
        var byOperation = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, count) in now.Requests)
        {
            var delta = count - mark.Requests.GetValueOrDefault(key);
            if (delta != 0)
                byOperation[$"{key.Container} {key.Operation}"] = delta;
        }
        return new HttpCost(byOperation.Values.Sum(), byOperation, now.QueryDocuments - mark.QueryDocuments);
    }

    /// <summary>A ledger for the instance that runs change-feed function <paramref name="function"/> alone.</summary>
    public ProjectorLedger AddProjector(string function, ProjectorShape shape)
    {
        var projector = new ProjectorLedger(function, shape, eventsContainer, projectionsContainer, leasesContainer);
        lock (_projectors)
            _projectors.Add(projector);
        return projector;
    }

    /// <summary>Counts one answered round trip of the HTTP instance's proxy.</summary>
    public void RecordHttp(CosmosRequest request)
    {
        if (Count(Origin.Http, request) is not { } operation)
            return;
        if (operation == "query" && request.Status is >= 200 and < 300 && request.ItemCount is { } items)
            Interlocked.Add(ref _httpQueryDocuments, items);
        Interlocked.Increment(ref _httpTotal);
    }

    /// <summary>Counts one answered round trip of <paramref name="projector"/>'s instance.</summary>
    public void RecordBackground(ProjectorLedger projector, CosmosRequest request)
    {
        if (Count(Origin.Background, request) is { } operation)
            projector.Record(request, operation, request.Container ?? "(account)");
    }

    private string? Count(Origin origin, CosmosRequest request)
    {
        var operation = OperationName(request);
        if (operation == "metadata")
            return null; // the SDK's own cached metadata reads, which the app's request handler never saw either
        var key = new RequestKey(origin, request.Container ?? "(account)", operation);
        Run.Requests.AddOrUpdate(key, 1, (_, n) => n + 1);
        _phase.Requests.AddOrUpdate(key, 1, (_, n) => n + 1);
        _phase.Metrics.AddOrUpdate(operation, _ => (1, request.RequestCharge), (_, t) => (t.Requests + 1, t.RequestCharge + request.RequestCharge));
        return operation;
    }

    /// <summary>
    /// The proxy's operation under the name the app's CosmosRequestMetrics gives it. A query answered without an item
    /// count is the SDK's query-plan request (it asks the gateway for a plan before a cross-partition query, on Linux
    /// where its native query engine is absent): a round trip of its own, named apart.
    /// </summary>
    private static string OperationName(CosmosRequest request) => request.Operation switch
    {
        "ChangeFeed" => "change-feed",
        "ReadFeed" => "read-feed",
        "Metadata" => "metadata",
        "Query" when request.Status is >= 200 and < 300 && request.ItemCount is null => "query-plan",
        _ => request.Operation.ToLowerInvariant(),
    };

    public static bool IsWrite(string operation) => operation is "create" or "upsert" or "replace" or "patch" or "delete" or "batch";
}
