using InventoryFunctions.Benchmarks.Load;
using InventoryFunctions.Benchmarks.Stack;

namespace InventoryFunctions.Benchmarks.Report;

/// <summary>Everything one run measured; written as results.json and rendered as the Markdown report.</summary>
public sealed class BenchReport
{
    public required RunInfo Run { get; init; }
    public List<AppendRun> Appends { get; } = [];
    public List<AppendKind> ColdWarm { get; } = [];
    public List<AppendBytes> AppendBytes { get; } = [];
    public List<CostRow> Costs { get; } = [];
    public List<IdleCost> Idle { get; } = [];
    public List<HistoryLength> History { get; } = [];
    public HistoryBuild? Build { get; set; }
    public TimeTravelRun? TimeTravel { get; set; }
    public LagRun? Lag { get; set; }
    public List<ProjectorCost> Projectors { get; } = [];
    public List<ViewRead> ViewReads { get; } = [];
    public List<PhaseCosmos> CosmosPhases { get; } = [];
    public List<MicroResult> Micro { get; } = [];
    public List<string> Notes { get; } = [];
    public HostNumbers? LocalHost { get; set; }
}

/// <summary>The local Functions host: cold start, and GETs through the host and straight at the worker's Kestrel.</summary>
public sealed record HostNumbers(LatencySummary ColdStart, LatencySummary HealthViaHost, LatencySummary NotFoundFromHost, LatencySummary NotFoundFromWorker);

public sealed class RunInfo
{
    public required string Mode { get; init; }
    public required string Target { get; init; }
    public required bool Local { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; set; }
    public required MachineInfo Machine { get; init; }
    public required string Commit { get; init; }
    public required int PollDelayMs { get; init; }
    public int? SnapshotInterval { get; set; }
    public required Sizes Sizes { get; init; }
    public required string RunId { get; init; }
    public LoadSummary? Load { get; set; }
    public string CommandLine { get; init; } = "";
}

/// <summary>
/// How busy the machine was: the 1-minute load average (which counts the benchmark's own threads), and the share of
/// the machine's CPU time used by other processes and by this benchmark (with its dev server and Azurite).
/// </summary>
public sealed record LoadSummary(double Start, double Mean, double Max, double End, int Cores, double OthersCpu, double OthersCpuMaxPhase, double OwnCpu, IReadOnlyList<PhaseLoad> ByPhase);

public sealed record PhaseLoad(string Phase, double Load1, double OthersCpu, double OwnCpu);

/// <summary>Closed-loop appends: <see cref="Concurrency"/> workers, each sending its next request when the last one answered.</summary>
public sealed record AppendRun(
    string Label,
    int Concurrency,
    int Inventories,
    bool Contended,
    int Appends,
    double Seconds,
    double PerSecond,
    LatencySummary Latency,
    IReadOnlyDictionary<int, int> Statuses,
    double? CosmosRequestsPerAppend);

/// <summary>Appends of one kind (cold or warm) and the round trips each took.</summary>
public sealed record AppendKind(
    string Kind,
    LatencySummary Latency,
    double? MeanRequests,
    long? MaxRequests,
    IReadOnlyDictionary<string, long>? ByOperation);

/// <summary>
/// Bytes on the wire of a warm one-event append (mean of <paramref name="Appends"/>) to an inventory holding
/// <paramref name="Held"/> items: its transactional batch as sent and as answered (bodies and HTTP/1.1 headers); the body
/// sent by the append that also created a snapshot (once every <paramref name="SnapshotInterval"/> events); the body of
/// the head's point read on a cold instance.
/// </summary>
public sealed record AppendBytes(int Held, int Appends, long SentBody, long SentHeaders, long ReceivedBody, long ReceivedHeaders,
    long SnapshotAppendSentBody, int SnapshotInterval, long ColdHeadReadBody)
{
    /// <summary>The snapshot's extra bytes spread over the appends of one interval.</summary>
    public double SnapshotBytesPerAppend => (double)(SnapshotAppendSentBody - SentBody) / SnapshotInterval;
}

/// <summary>Modelled request units of one operation (the local dev server's model, tools/devstack/cosmos/charges.js).</summary>
public sealed record CostRow(string Group, string Operation, double RequestUnits, int Samples, string Requests);

/// <summary>Request units one change-feed function's instance spends with nothing to project, per hour.</summary>
public sealed record IdleCost(string Function, double Seconds, double RequestUnits, long Requests)
{
    public double PerHour => RequestUnits * 3600 / Seconds;
}

public sealed record HistoryBuild(int Events, int Posts, double BuildSeconds, double CatchUpSeconds, double ProjectedEventsPerSecond, int Errors);

public sealed record HistoryLength(
    int Length,
    int Inventories,
    LatencySummary Get,
    double? GetRequestsMean,
    long? GetRequestsMax,
    LatencySummary Naive,
    double NaivePagesMean,
    double? NaiveRequestsMean,
    bool? NaiveMatchesProjection);

/// <summary>
/// Time travel (<c>GET …/state</c>) on one inventory of the longest history: each row is one query string read
/// <see cref="Samples"/> times, rows interleaved round by round.
/// </summary>
public sealed record TimeTravelRun(
    string InventoryId,
    int HistoryLength,
    int SnapshotInterval,
    bool SnapshotIntervalAssumed,
    int Samples,
    IReadOnlyList<TimeTravelRead> Reads);

/// <summary>
/// One time-travel read, <c>?atVersion=N</c> or <c>?asOf=instant</c>, and what the app's Cosmos client did for it
/// (HTTP-origin requests while serving it; calls are sequential, so per read exact): requests by operation,
/// point reads and queries per read (min/max), documents the read's queries returned (events replayed, plus the
/// snapshot for asOf), and the bound they are judged against.
/// </summary>
public sealed record TimeTravelRead(
    string Kind,
    long Version,
    DateTimeOffset? AsOf,
    string? Remark,
    LatencySummary Latency,
    int WrongVersion,
    double? RequestsMean,
    long? RequestsMax,
    IReadOnlyDictionary<string, double>? ByOperation,
    long? PointReadsMax,
    long? QueriesMin,
    long? QueriesMax,
    long? OtherMax,
    double? DocumentsMean,
    long? DocumentsMax,
    string Bound,
    string Expected,
    Verdict WithinBound,
    bool? MatchesLog);

public sealed record LagRun(LatencySummary Lag, int Timeouts, int Lanes, int PollDelayMs, int PollEveryMs);

/// <summary>
/// One change-feed function's projector over the whole run (its own app instance and proxy): change-feed batches,
/// inventory-batches (an inventory with events in a batch) and shard-batches (a global shard those inventories hash
/// to), its requests by kind (total, and the most in one batch), per inventory per batch (mean, worst batch), per shard
/// touched (global view only), and the per-poll requests counted apart.
/// </summary>
public sealed record ProjectorCost(
    string Function,
    ProjectorShape Shape,
    long Batches,
    long InventoryBatches,
    long ShardBatches,
    long Documents,
    IReadOnlyDictionary<string, long> ByKind,
    IReadOnlyDictionary<string, long> MaxPerBatch,
    long Requests,
    double PerInventoryMean,
    double PerInventoryWorstBatch,
    double? PerShardMean,
    double? PerShardWorstBatch,
    long ChangeFeedReads,
    long LeaseRequests,
    long OutsideBatches,
    double RequestUnits,
    double BatchRequestUnits)
{
    /// <summary>Modelled RU of the change-feed pages with documents and of the requests made for them, per inventory-batch.</summary>
    public double RequestUnitsPerInventoryBatch => InventoryBatches == 0 ? double.NaN : BatchRequestUnits / InventoryBatches;

    /// <summary>The same, per document the change feed delivered (events, heads, shards, idempotency records).</summary>
    public double RequestUnitsPerDocument => Documents == 0 ? double.NaN : BatchRequestUnits / Documents;

    public long Of(string kind) => ByKind.GetValueOrDefault(kind);

    public long MaxOf(string kind) => MaxPerBatch.GetValueOrDefault(kind);
}

/// <summary>
/// Reads of one kind on the views beside the inventory's (dwell time, the global board, a replay page), one at a time,
/// so each read's HTTP-origin Cosmos requests and the documents its queries returned are exact; judged against the
/// cost the design states for it.
/// </summary>
public sealed record ViewRead(
    string Route,
    string Read,
    LatencySummary Latency,
    double? RequestsMean,
    long? RequestsMax,
    IReadOnlyDictionary<string, double>? ByOperation,
    double? DocumentsMean,
    long? DocumentsMax,
    string Bound,
    Verdict WithinBound,
    string Checked);

/// <summary>One phase's Cosmos requests: the app's <c>CosmosRequestMetrics</c> (all origins) and the split by origin.</summary>
public sealed record PhaseCosmos(
    string Phase,
    string Unit,
    int Operations,
    IReadOnlyDictionary<string, (long Requests, double RequestCharge)> Metrics,
    IReadOnlyDictionary<string, long> Http,
    IReadOnlyDictionary<string, long> Background);

public sealed record MicroResult(string Group, string Name, double MeanNs, double StdErrNs, long? AllocatedBytes, double? Gen0Per1000);
