using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>When the projections count as degraded, and how long a health answer is reused.</summary>
/// <param name="LagThreshold">Estimated unprocessed documents (summed over a function's leases) above which health is degraded.</param>
/// <param name="CacheFor">How long a health answer is reused, so probes cost Cosmos DB at most one estimate per period.</param>
public sealed record HealthPolicy(long LagThreshold, TimeSpan CacheFor)
{
    public static HealthPolicy Default { get; } = new(1000, TimeSpan.FromSeconds(5));
}

/// <summary>A dependency's answer: <c>ok</c>, or <c>unreachable</c> with the error.</summary>
public sealed record DependencyState(string State, string? Error = null)
{
    public static DependencyState Ok { get; } = new("ok");

    public bool IsOk => State == "ok";
}

/// <summary>Everything an operator watches, at <see cref="At"/>; a null part could not be read (see the dependency).</summary>
public sealed record ProjectionStatus(
    IReadOnlyList<FeedLag>? Feeds, int? PoisonMessages, IReadOnlyList<ParkedInventory>? Parked,
    DependencyState Cosmos, DependencyState Storage, DateTimeOffset At);

/// <summary>healthy, degraded (with reasons) or unhealthy (a dependency is unreachable).</summary>
public sealed record HealthReport(string Status, IReadOnlyList<string> Reasons, ProjectionStatus Details)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";
}

/// <summary>
/// Projection freshness as operators see it: the change feed estimator's backlog per change-feed function and lease,
/// poison-queue depth and parked inventories, read with one call per dependency; and health derived from them.
/// Each dependency is read on its own, so Storage being down still reports the lag and the reverse.
/// </summary>
public sealed class ProjectionMonitor(
    IChangeFeedMonitor feeds, IPoisonQueue poison, IParkedInventories parked, HealthPolicy policy, TimeProvider time, ILogger<ProjectionMonitor> logger)
{
    /// <summary>Parked inventories listed at most (the status shows them; health needs only whether there are any).</summary>
    public const int MaxParkedListed = 100;

    // Generous for a probe: a cold instance's first estimate also reads the account and container metadata.
    private static readonly TimeSpan DependencyTimeout = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private (Task<HealthReport> Report, DateTimeOffset At)? _cached;

    public HealthPolicy Policy => policy;

    public async Task<ProjectionStatus> StatusAsync(CancellationToken cancellationToken)
    {
        // Cosmos DB answers both the estimate and the parked list; Storage answers the poison count.
        var (lag, cosmos) = await TryAsync("Cosmos DB", feeds.EstimateAsync, cancellationToken);
        var (parkedList, parkedState) = cosmos.IsOk ? await TryAsync("Cosmos DB", ct => parked.ListAsync(MaxParkedListed, ct), cancellationToken) : (null, cosmos);
        var (poisonCount, storage) = await TryAsync<int?>("Storage", async ct => await poison.CountAsync(ct), cancellationToken);
        return new ProjectionStatus(lag, poisonCount, parkedList, parkedState.IsOk ? cosmos : parkedState, storage, time.GetUtcNow());
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

    private async Task<HealthReport> CheckAsync()
    {
        var status = await StatusAsync(CancellationToken.None);
        if (!status.Cosmos.IsOk || !status.Storage.IsOk)
        {
            var down = new List<string>();
            if (!status.Cosmos.IsOk)
                down.Add($"Cosmos DB unreachable: {status.Cosmos.Error}");
            if (!status.Storage.IsOk)
                down.Add($"Storage unreachable: {status.Storage.Error}");
            return new HealthReport(HealthReport.Unhealthy, down, status);
        }

        var reasons = new List<string>();
        foreach (var feed in status.Feeds ?? [])
        {
            if (feed.Leases.Count == 0)
                reasons.Add($"{feed.FunctionName}: no leases under processor name '{feed.ProcessorName}': the change feed function has not started");
            else if (feed.EstimatedDocuments > policy.LagThreshold)
                reasons.Add($"{feed.FunctionName}: about {feed.EstimatedDocuments} changes not projected yet (threshold {policy.LagThreshold})");
        }
        if (status.PoisonMessages > 0)
            reasons.Add($"{status.PoisonMessages} poison message(s) waiting: GET /api/projections/poison");
        if (status.Parked is { Count: > 0 } parkedInventories)
            reasons.Add($"{parkedInventories.Count} inventor{(parkedInventories.Count == 1 ? "y" : "ies")} parked");
        return new HealthReport(reasons.Count == 0 ? HealthReport.Healthy : HealthReport.Degraded, reasons, status);
    }

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
