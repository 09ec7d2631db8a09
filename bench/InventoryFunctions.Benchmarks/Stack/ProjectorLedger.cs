using System.Collections.Concurrent;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Stack;

/// <summary>
/// What a projector's cost is promised per: per inventory in a change-feed batch (a view document per inventory), or
/// per shard touched plus one board merge per batch (the global most-collected board).
/// </summary>
public enum ProjectorShape
{
    PerInventory,
    Global,
}

/// <summary>What one change-feed batch (one page of the events feed handed to the function) cost its projector.</summary>
public sealed class ChangeFeedBatch(int documents, int inventories, int shards)
{
    private readonly ConcurrentDictionary<string, long> _byKind = new(StringComparer.Ordinal);

    public int Documents { get; } = documents;

    /// <summary>Inventories with events in the page (the projector's rule: documents with a numeric version).</summary>
    public int Inventories { get; } = inventories;

    /// <summary>Global shards those inventories hash to (<see cref="GlobalMostCollected.ShardOf"/>).</summary>
    public int Shards { get; } = shards;

    /// <summary>Requests made until the next page, by kind (<see cref="ProjectorLedger.KindOf"/>).</summary>
    public IReadOnlyDictionary<string, long> ByKind => _byKind;

    public long Requests => _byKind.Values.Sum();

    public long Of(string kind) => _byKind.GetValueOrDefault(kind);

    internal void Count(string kind) => _byKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
}

/// <summary>
/// The round trips of one app instance that runs a single change-feed function. It reads each change-feed page of the
/// events container the way the function is handed it (event documents, by inventory), and attributes the requests
/// that follow, until the next page, to that page's batch: the change-feed processor works one page at a time per
/// lease, and the dev server has one lease per processor. Change-feed reads (including empty polls) and lease requests
/// are per poll, not per batch: counted apart.
/// </summary>
public sealed class ProjectorLedger(string function, ProjectorShape shape, string eventsContainer, string projectionsContainer, string leasesContainer)
{
    public const string ViewRead = "view read";
    public const string ViewQuery = "view query";
    public const string QueryPlan = "query plan";
    public const string ViewWrite = "view write";
    public const string GapFill = "gap-fill";
    public const string ShardQuery = "shard query";
    public const string ShardWrite = "shard batch";
    public const string BoardRead = "board read";
    public const string BoardQuery = "board query";
    public const string BoardWrite = "board write";
    public const string Other = "other";

    private readonly object _pageLock = new();
    private ChangeFeedBatch? _current;
    private long _changeFeedReads;
    private long _leaseRequests;
    private long _outsideBatches;
    private readonly object _chargeLock = new();
    private double _requestCharge;
    private double _batchRequestCharge;

    public string Function { get; } = function;

    public ProjectorShape Shape { get; } = shape;

    public ConcurrentQueue<ChangeFeedBatch> Batches { get; } = new();

    public long ChangeFeedReads => Interlocked.Read(ref _changeFeedReads);

    public long LeaseRequests => Interlocked.Read(ref _leaseRequests);

    /// <summary>Projector requests before the first page (none expected: the function only works on a page).</summary>
    public long OutsideBatches => Interlocked.Read(ref _outsideBatches);

    /// <summary>Request units of every request this instance made (modelled by the local dev server), polls and leases included.</summary>
    public double RequestCharge
    {
        get { lock (_chargeLock) return _requestCharge; }
    }

    /// <summary>Request units of the change-feed pages that carried documents and of the requests made for them.</summary>
    public double BatchRequestCharge
    {
        get { lock (_chargeLock) return _batchRequestCharge; }
    }

    private void Charge(double units, bool batch)
    {
        lock (_chargeLock)
        {
            _requestCharge += units;
            if (batch)
                _batchRequestCharge += units;
        }
    }

    internal void Record(CosmosRequest request, string operation, string container)
    {
        if (container == eventsContainer && operation == "change-feed")
        {
            Interlocked.Increment(ref _changeFeedReads);
            var page = request.Status == 200 && request.Body is not null;
            Charge(request.RequestCharge, batch: page);
            if (page)
                InspectChangeFeedPage(request.Body!);
            return;
        }
        Charge(request.RequestCharge, batch: container != leasesContainer && Volatile.Read(ref _current) is not null);
        if (container == leasesContainer)
        {
            Interlocked.Increment(ref _leaseRequests);
            return;
        }
        if (Volatile.Read(ref _current) is { } batch)
            batch.Count(KindOf(request, operation, container));
        else
            Interlocked.Increment(ref _outsideBatches);
    }

    /// <summary>
    /// What a projector request is for. The log: a gap filled from it. A per-inventory view: its point read, its
    /// write. The global board: requests on a <c>$collected-{shard}</c> partition are the shard's (watermarks and
    /// counters query, transactional batch), those on <c>$collected-board</c> or on no partition (the cross-partition
    /// query over the buckets, and its query plan) are the board merge's.
    /// </summary>
    private string KindOf(CosmosRequest request, string operation, string container)
    {
        if (container == eventsContainer)
            return operation is "query" or "read" ? GapFill : Other;
        if (container != projectionsContainer)
            return Other;
        if (operation == "query-plan")
            return QueryPlan;
        if (Shape == ProjectorShape.PerInventory)
        {
            return operation switch
            {
                "read" => ViewRead,
                "query" => ViewQuery,
                _ when RequestLedger.IsWrite(operation) => ViewWrite,
                _ => Other,
            };
        }
        var board = request.PartitionKey is null || request.IsFor(GlobalCollectedDocuments.BoardPartition);
        return (board, operation) switch
        {
            (true, "read") => BoardRead,
            (true, "query") => BoardQuery,
            (true, _) when RequestLedger.IsWrite(operation) => BoardWrite,
            (false, "query") => ShardQuery,
            (false, _) when RequestLedger.IsWrite(operation) => ShardWrite,
            _ => Other,
        };
    }

    private void InspectChangeFeedPage(byte[] page)
    {
        var documents = 0;
        var inventories = new HashSet<string>(StringComparer.Ordinal);
        using (var body = JsonDocument.Parse(page))
        {
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                documents++;
                // The projectors' rule: documents with a numeric top-level version are events (decoded or malformed).
                if (EventCodec.TryDecode(document) is not DecodeResult.NotAnEvent
                    && document.TryGetProperty("inventoryId", out var inventoryId) && inventoryId.ValueKind == JsonValueKind.String)
                    inventories.Add(inventoryId.GetString()!);
            }
        }
        if (documents == 0)
            return;
        var batch = new ChangeFeedBatch(documents, inventories.Count, inventories.Select(GlobalMostCollected.ShardOf).Distinct().Count());
        lock (_pageLock)
        {
            Volatile.Write(ref _current, batch);
            Batches.Enqueue(batch);
        }
    }
}
