using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Cosmos;

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
    public ConcurrentQueue<ChangeFeedBatch> Batches { get; } = new();

    public long Http => Requests.Where(kv => kv.Key.Origin == Origin.Http).Sum(kv => kv.Value);

    public long Count(Origin origin, string? container = null, string? operation = null) =>
        Requests.Where(kv => kv.Key.Origin == origin && (container is null || kv.Key.Container == container) && (operation is null || kv.Key.Operation == operation))
            .Sum(kv => kv.Value);
}

/// <summary>
/// A second request handler in the app's <see cref="CosmosClient"/>, next to the app's own
/// <see cref="CosmosRequestMetrics"/>: it splits the same round trips by origin (HTTP function or background) and
/// container, so that the benchmark can say what one append, one GET or one change-feed batch costs while the others
/// run. It also reads each change-feed page of the events container the way the projector does (event documents,
/// by inventory), to count the inventories per batch; the projector's requests until the next page belong to it
/// (the change-feed processor works one page at a time per lease, and the dev server has one lease).
/// </summary>
public sealed partial class RequestLedger(IHttpContextAccessor httpContext, string eventsContainer, string projectionsContainer) : RequestHandler
{
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

    public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        var origin = httpContext.HttpContext is null ? Origin.Background : Origin.Http;
        var response = await base.SendAsync(request, cancellationToken);
        var container = ContainerOf(request);
        var operation = CosmosRequestMetrics.Classify(request);
        var key = new RequestKey(origin, container, operation);

        Run.Requests.AddOrUpdate(key, 1, (_, n) => n + 1);
        _phase.Requests.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (origin == Origin.Http)
        {
            if (operation == "query" && response.IsSuccessStatusCode
                && long.TryParse(response.Headers["x-ms-item-count"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var items))
                Interlocked.Add(ref _httpQueryDocuments, items);
            Interlocked.Increment(ref _httpTotal);
        }

        if (origin == Origin.Background)
        {
            if (operation == "change-feed" && container == eventsContainer && response.StatusCode == HttpStatusCode.OK && response.Content is not null)
                await InspectChangeFeedPageAsync(response, cancellationToken);
            else if ((container == projectionsContainer && IsItemOperation(operation)) || (container == eventsContainer && operation is "query" or "read"))
                Volatile.Read(ref _currentBatch)?.Count();
        }
        return response;
    }

    private async Task InspectChangeFeedPageAsync(ResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await response.Content.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        int documents = 0;
        var inventories = new HashSet<string>(StringComparer.Ordinal);
        using (var body = await JsonDocument.ParseAsync(buffer, cancellationToken: cancellationToken))
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
        buffer.Position = 0;
        response.Content = buffer;
        if (documents == 0)
            return;
        var batch = new ChangeFeedBatch(documents, inventories.Count);
        Volatile.Write(ref _currentBatch, batch);
        Run.Batches.Enqueue(batch);
        _phase.Batches.Enqueue(batch);
    }

    public static bool IsItemOperation(string operation) => operation is "read" or "create" or "upsert" or "replace" or "patch" or "delete";

    public static bool IsWrite(string operation) => operation is "create" or "upsert" or "replace" or "patch" or "delete";

    private static string ContainerOf(RequestMessage request)
    {
        var match = CollectionSegment().Match(request.RequestUri?.OriginalString ?? "");
        return match.Success ? Uri.UnescapeDataString(match.Groups[1].Value) : "(account)";
    }

    [GeneratedRegex(@"colls/([^/?]+)")]
    private static partial Regex CollectionSegment();
}
