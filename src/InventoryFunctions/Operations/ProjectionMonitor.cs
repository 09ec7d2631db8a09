using Microsoft.Extensions.Logging;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Operations;

/// <summary>When the projections count as degraded, and how long a health answer is reused.</summary>
/// <param name="LagThreshold">Estimated unprocessed documents (summed over a function's leases) above which health is degraded.</param>
/// <param name="CacheFor">How long a health answer is reused, so probes cost Cosmos DB at most one point read per period.</param>
/// <param name="StaleAfter">How old the published projection status may be before health says the status timer is not running.</param>
/// <param name="RecheckAfter">
/// How old a published status that says a change-feed function has not started may be before health computes the
/// status live instead (and stores it): right after start the processors take their leases within seconds, and the
/// timer's next run may be a minute away.
/// </param>
/// <param name="StuckTransferAfter">How long a transfer may stay debited before it counts as stuck (the relay takes about a second).</param>
public sealed record HealthPolicy(long LagThreshold, TimeSpan CacheFor, TimeSpan StaleAfter, TimeSpan RecheckAfter, TimeSpan StuckTransferAfter)
{
    public static HealthPolicy Default { get; } = new(1000, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10), Application.TransferService.StuckAfter);
}

/// <summary>A dependency's answer: <c>ok</c>, or <c>unreachable</c> with the error.</summary>
public sealed record DependencyState(string State, string? Error = null)
{
    public static DependencyState Ok { get; } = new("ok");

    public bool IsOk => State == "ok";
}

/// <summary>Everything an operator watches, at <see cref="At"/>; a null part could not be read (see the dependency).</summary>
/// <param name="StuckTransfers">
/// Transfers still debited <see cref="HealthPolicy.StuckTransferAfter"/> after they were created (counted up to
/// <see cref="ProjectionMonitor.MaxStuckCounted"/>); null when not counted (Cosmos DB did not answer, or a status
/// stored before they were).
/// </param>
public sealed record ProjectionStatus(
    IReadOnlyList<FeedLag>? Feeds, int? PoisonMessages, ParkedSummary? Parked,
    DependencyState Cosmos, DependencyState Storage, DateTimeOffset At, int? StuckTransfers = null);

/// <summary>
/// healthy, degraded (with reasons) or unhealthy (a dependency is unreachable). <see cref="Published"/> is the status
/// the timer last published (null: none yet or unreadable); the poison count and the dependencies are this check's own.
/// </summary>
public sealed record HealthReport(
    string Status, IReadOnlyList<string> Reasons, ProjectionStatus? Published, int? PoisonMessages, DependencyState Cosmos, DependencyState Storage, DateTimeOffset At)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";
}

/// <summary>
/// Projection freshness as operators see it: the change feed estimator's backlog and the age of the oldest unprocessed
/// change per change-feed function and lease, poison-queue depth and parked inventories. <see cref="StatusAsync"/>
/// computes all of it (several requests per function); the status timer does so once a minute and
/// <see cref="PublishAsync"/>es it as gauges and as one stored document, which health then reads with one point read.
/// Each dependency is read on its own, so Storage being down still reports the lag and the reverse.
/// </summary>
public sealed class ProjectionMonitor(
    IChangeFeedMonitor feeds, IPoisonQueue poison, IParkedInventories parked, IProjectionStatusStore published, ProjectionGauges gauges,
    HealthPolicy policy, TimeProvider time, ILogger<ProjectionMonitor> logger, Application.ITransferStore? transfers = null)
{
    /// <summary>Stuck transfers counted at most (one cross-partition query page); more are reported as this many.</summary>
    public const int MaxStuckCounted = 100;

    /// <summary>Parked inventories listed by id (all are counted).</summary>
    public const int MaxParkedListed = 10;

    // Generous for a probe: a cold instance's first estimate also reads the account and container metadata.
    private static readonly TimeSpan DependencyTimeout = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private (Task<HealthReport> Report, DateTimeOffset At)? _cached;

    public HealthPolicy Policy => policy;

    /// <summary>The status computed now, from every source (not cached).</summary>
    public async Task<ProjectionStatus> StatusAsync(CancellationToken cancellationToken)
    {
        // Cosmos DB answers both the estimate and the parked count; Storage answers the poison count.
        var (lag, cosmos) = await TryAsync("Cosmos DB", feeds.EstimateAsync, cancellationToken);
        var (parkedSummary, parkedState) = cosmos.IsOk ? await TryAsync("Cosmos DB", ct => parked.SummarizeAsync(MaxParkedListed, ct), cancellationToken) : (null, cosmos);
        var (stuck, stuckState) = cosmos.IsOk && transfers is not null
            ? await TryAsync<int?>("Cosmos DB", async ct => (await transfers.DebitedBeforeAsync(time.GetUtcNow() - policy.StuckTransferAfter, MaxStuckCounted, ct)).Count, cancellationToken)
            : (null, cosmos);
        var (poisonCount, storage) = await TryAsync<int?>("Storage", async ct => await poison.CountAsync(ct), cancellationToken);
        var cosmosState = !parkedState.IsOk ? parkedState : !stuckState.IsOk ? stuckState : cosmos;
        return new ProjectionStatus(lag, poisonCount, parkedSummary, cosmosState, storage, time.GetUtcNow(), stuck);
    }

    /// <summary>Computes the status, publishes it as this instance's gauges and, when Cosmos DB answered, stores it for health.</summary>
    public async Task<ProjectionStatus> PublishAsync(CancellationToken cancellationToken)
    {
        var status = await StatusAsync(cancellationToken);
        gauges.Publish(status);
        if (status.Cosmos.IsOk)
            await published.WriteAsync(status, cancellationToken);
        return status;
    }

    /// <summary>The health answer, reused for <see cref="HealthPolicy.CacheFor"/>; concurrent callers share one check.</summary>
    public Task<HealthReport> HealthAsync()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_cached is { } cached && now - cached.At < policy.CacheFor && !cached.Report.IsFaulted)
                return cached.Report;
            // Not tied to one caller's token: other callers share it.
            var report = CheckAsync();
            _cached = (report, now);
            return report;
        }
    }

    /// <summary>
    /// One point read of the published status (which also proves Cosmos DB answers) and the poison count. When no
    /// status has been published yet, or the published one says a change-feed function has not started and is older
    /// than <see cref="HealthPolicy.RecheckAfter"/>, the status is computed live and stored, so that a fresh app is not
    /// reported degraded until the timer's first run.
    /// </summary>
    private async Task<HealthReport> CheckAsync()
    {
        var (status, cosmos) = await TryAsync("Cosmos DB", published.ReadAsync, CancellationToken.None);
        if (cosmos.IsOk && NeedsRecheck(status, time.GetUtcNow()))
        {
            var live = await StatusAsync(CancellationToken.None);
            cosmos = live.Cosmos;
            if (cosmos.IsOk)
            {
                await TryAsync<bool>("Cosmos DB", async ct => { await published.WriteAsync(live, ct); return true; }, CancellationToken.None);
                status = live;
            }
        }
        var (poisonCount, storage) = await TryAsync<int?>("Storage", async ct => await poison.CountAsync(ct), CancellationToken.None);
        var now = time.GetUtcNow();
        if (!cosmos.IsOk || !storage.IsOk)
        {
            var down = new List<string>();
            if (!cosmos.IsOk)
                down.Add($"Cosmos DB unreachable: {cosmos.Error}");
            if (!storage.IsOk)
                down.Add($"Storage unreachable: {storage.Error}");
            return new HealthReport(HealthReport.Unhealthy, down, status, poisonCount, cosmos, storage, now);
        }

        var reasons = new List<string>();
        // Here a status exists: with none published, CheckAsync computed one or Cosmos DB did not answer (unhealthy).
        if (status is not null && now - status.At > policy.StaleAfter)
            reasons.Add($"projection status is stale (timer not running): published {(now - status.At).TotalMinutes:0} minutes ago");
        foreach (var feed in status?.Feeds ?? [])
        {
            if (feed.Leases.Count == 0)
                reasons.Add($"{feed.FunctionName}: no leases under processor name '{feed.ProcessorName}': the change feed function has not started");
            else if (feed.EstimatedDocuments > policy.LagThreshold)
                reasons.Add($"{feed.FunctionName}: about {feed.EstimatedDocuments} changes not projected yet (threshold {policy.LagThreshold})");
            foreach (var lease in feed.Unrenewed(status!.At))
            {
                reasons.Add($"{feed.FunctionName}: lease {lease.LeaseToken} held by '{lease.Owner}' was last renewed {(status.At - lease.RenewedAt!.Value).TotalSeconds:0} s " +
                    $"before the status (it expires after {feed.LeaseExpiration!.Value.TotalSeconds:0} s): its instance stopped without releasing it, " +
                    "and its changes wait until another instance takes it over");
            }
        }
        if (poisonCount > 0)
            reasons.Add($"{poisonCount} poison message(s) waiting: GET /api/projections/poison");
        if (status?.StuckTransfers is > 0 and var stuckTransfers)
            reasons.Add($"{stuckTransfers}{(stuckTransfers >= MaxStuckCounted ? " or more" : "")} transfer(s) still debited after {policy.StuckTransferAfter.TotalMinutes:0} min: "
                + "the relay (CompleteTransfers) is behind or failing; RecoverTransfers drives them every minute");
        if (status?.Parked is { Count: > 0 } parkedInventories)
            reasons.Add($"{parkedInventories.Count} inventor{(parkedInventories.Count == 1 ? "y" : "ies")} parked: {string.Join(", ", parkedInventories.First.Select(p => p.InventoryId))}");
        return new HealthReport(reasons.Count == 0 ? HealthReport.Healthy : HealthReport.Degraded, reasons, status, poisonCount, cosmos, storage, now);
    }

    private bool NeedsRecheck(ProjectionStatus? status, DateTimeOffset now) =>
        status is null || (now - status.At >= policy.RecheckAfter && now - status.At <= policy.StaleAfter && status.Feeds is { } feeds && feeds.Any(f => f.Leases.Count == 0));

    private async Task<(T? Value, DependencyState State)> TryAsync<T>(string dependency, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DependencyTimeout);
        try
        {
            return (await read(timeout.Token), DependencyState.Ok);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Any failure of a dependency is reported, whatever its type: that is what a health check is for.
            logger.LogWarning(ex, "{Dependency} did not answer the projection monitor", dependency);
            return (default, new DependencyState("unreachable", ex is OperationCanceledException ? $"no answer within {DependencyTimeout.TotalSeconds} s" : ex.Message));
        }
    }
}
