using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Counts every Cosmos DB round trip the app makes (retries included) and its request charge, by operation
/// (read, create, replace, batch, query, change-feed, ...) and origin (<c>http</c> for HTTP-triggered functions, the
/// function's name for the others, <c>other</c> outside any function), as the meter <c>InventoryFunctions.Cosmos</c>
/// (instruments <c>cosmos.requests</c>, <c>cosmos.request_charge</c>) for OpenTelemetry / Application Insights,
/// and as totals in memory for benchmarks and tests. Locally the dev server answers modelled request units.
/// </summary>
public sealed class CosmosRequestMetrics : RequestHandler, IDisposable
{
    public const string MeterName = "InventoryFunctions.Cosmos";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Counter<double> _charge;
    private readonly ConcurrentDictionary<string, OperationTotals> _totals = new();

    private static readonly AsyncLocal<string?> CurrentOrigin = new();

    /// <summary>The origin the requests of the current async flow are counted under (set per function invocation).</summary>
    public static string? Origin
    {
        get => CurrentOrigin.Value;
        set => CurrentOrigin.Value = value;
    }

    public CosmosRequestMetrics()
    {
        _requests = _meter.CreateCounter<long>("cosmos.requests", description: "Cosmos DB round trips");
        _charge = _meter.CreateCounter<double>("cosmos.request_charge", unit: "RU", description: "Request units charged");
    }

    /// <summary>Totals per operation since start (or the last <see cref="Reset"/>).</summary>
    public IReadOnlyDictionary<string, OperationTotals> Snapshot() => _totals.ToDictionary(kv => kv.Key, kv => kv.Value with { });

    public void Reset() => _totals.Clear();

    public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var operation = Classify(request);
        var charge = response.Headers.RequestCharge;
        var tags = new TagList { { "operation", operation }, { "origin", Origin ?? "other" } };
        _requests.Add(1, tags);
        _charge.Add(charge, tags);
        _totals.AddOrUpdate(operation, _ => new OperationTotals(1, charge), (_, t) => t with { Requests = t.Requests + 1, RequestCharge = t.RequestCharge + charge });
        return response;
    }

    public void Dispose() => _meter.Dispose();

    /// <summary>The operation a request performs, as the metrics name it (creates and upserts POST to the container's link).</summary>
    public static string Classify(RequestMessage request)
    {
        var headers = request.Headers;
        if (headers["x-ms-cosmos-is-batch-request"] is not null)
            return "batch";
        if (headers["A-IM"] is not null)
            return "change-feed";
        if (headers["x-ms-documentdb-isquery"] is not null || headers["x-ms-cosmos-is-query-plan-request"] is not null)
            return "query";
        var path = request.RequestUri?.OriginalString ?? "";
        // Creates and upserts POST to the container's own link (dbs/{db}/colls/{container}), not to .../docs.
        var resource = path.Contains("/docs", StringComparison.Ordinal) ? "item"
            : path.Contains("/pkranges", StringComparison.Ordinal) ? "pkranges"
            : request.Method == HttpMethod.Post && IsContainerLink(path) ? "item"
            : "metadata";
        return (request.Method.Method, resource) switch
        {
            ("GET", "item") when path.TrimEnd('/').EndsWith("/docs", StringComparison.Ordinal) => "read-feed",
            ("GET", "item") => "read",
            ("POST", "item") when string.Equals(headers["x-ms-documentdb-is-upsert"], "True", StringComparison.OrdinalIgnoreCase) => "upsert",
            ("POST", "item") => "create",
            ("PUT", "item") => "replace",
            ("PATCH", "item") => "patch",
            ("DELETE", "item") => "delete",
            (var method, var other) => $"{other}-{method.ToLowerInvariant()}",
        };
    }

    private static bool IsContainerLink(string path)
    {
        var segments = path.Trim('/').Split('/');
        return segments.Length == 4 && segments[0] == "dbs" && segments[2] == "colls";
    }
}

/// <summary>Round trips and request units of one kind of operation.</summary>
public sealed record OperationTotals(long Requests, double RequestCharge);
