using System.Diagnostics.Metrics;
using InventoryFunctions.Projections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using InventoryFunctions.Operations;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// Status and health from the monitor's ports (Moq at the ports; the real estimator and store are in the integration
/// tests): the timer's <see cref="ProjectionMonitor.PublishAsync"/> computes and stores the status, health reads it.
/// </summary>
public sealed class ProjectionMonitorTests : IDisposable
{
    // One per test, disposed after it: a live meter of the same name would show up in the gauge test's listener.
    private readonly ProjectionGauges _gauges = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly Mock<IChangeFeedMonitor> _feeds = new();
    private readonly Mock<IPoisonQueue> _poison = new();
    private readonly Mock<IParkedInventories> _parked = new();
    private readonly Mock<IProjectionStatusStore> _published = new();
    private ProjectionStatus? _stored;

    public ProjectionMonitorTests()
    {
        Lag(0);
        _poison.Setup(p => p.CountAsync(It.IsAny<CancellationToken>())).ReturnsAsync(0);
        _parked.Setup(p => p.SummarizeAsync(It.IsAny<int>(), It.IsAny<CancellationToken>())).ReturnsAsync(ParkedSummary.None);
        _published.Setup(s => s.WriteAsync(It.IsAny<ProjectionStatus>(), It.IsAny<CancellationToken>()))
            .Callback<ProjectionStatus, CancellationToken>((status, _) => _stored = status).Returns(Task.CompletedTask);
        _published.Setup(s => s.ReadAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => _stored);
    }

    private void NoLeases() => _feeds.Setup(f => f.EstimateAsync(It.IsAny<CancellationToken>()))
        .ReturnsAsync([new FeedLag("ProjectInventory", "ProjectInventory", [])]);

    private void Renewed(DateTimeOffset renewedAt, TimeSpan expiration) => _feeds.Setup(f => f.EstimateAsync(It.IsAny<CancellationToken>()))
        .ReturnsAsync([new FeedLag("ProjectInventory", "ProjectInventory", [new LeaseLag("0", 0, "host-a", RenewedAt: renewedAt)], expiration)]);

    private void Lag(params long[] perLease) => _feeds.Setup(f => f.EstimateAsync(It.IsAny<CancellationToken>()))
        .ReturnsAsync([new FeedLag("ProjectInventory", "ProjectInventory", [.. perLease.Select((lag, i) => new LeaseLag(i.ToString(System.Globalization.CultureInfo.InvariantCulture), lag, "host"))])]);

    public void Dispose() => _gauges.Dispose();

    private ProjectionMonitor Monitor(long threshold = 10, int cacheSeconds = 5) =>
        new(_feeds.Object, _poison.Object, _parked.Object, _published.Object, _gauges,
            HealthPolicy.Default with { LagThreshold = threshold, CacheFor = TimeSpan.FromSeconds(cacheSeconds) }, _time, NullLogger<ProjectionMonitor>.Instance, _transfers);

    private readonly Fakes.InMemoryEventStore _transfers = new();

    /// <summary>What the status timer does, then a health check (another instance: its own cache).</summary>
    private async Task<HealthReport> PublishedHealthAsync(long threshold = 10)
    {
        await Monitor(threshold).PublishAsync(CancellationToken.None);
        return await Monitor(threshold).HealthAsync();
    }

    [Fact]
    public async Task Caught_up_with_nothing_waiting_is_healthy()
    {
        var report = await PublishedHealthAsync();

        Assert.Equal(HealthReport.Healthy, report.Status);
        Assert.Empty(report.Reasons);
    }

    [Fact]
    public async Task Lag_summed_over_leases_above_the_threshold_is_degraded_and_at_it_is_not()
    {
        Lag(6, 5);
        var above = await PublishedHealthAsync(threshold: 10);
        var at = await PublishedHealthAsync(threshold: 11);

        Assert.Equal(HealthReport.Degraded, above.Status);
        Assert.Contains("about 11 changes", Assert.Single(above.Reasons), StringComparison.Ordinal);
        Assert.Equal(HealthReport.Healthy, at.Status);
    }

    [Fact]
    public async Task Poison_waiting_and_parked_inventories_are_each_a_reason()
    {
        _poison.Setup(p => p.CountAsync(It.IsAny<CancellationToken>())).ReturnsAsync(2);
        _parked.Setup(p => p.SummarizeAsync(It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ParkedSummary(4, [new ParkedInventory("a", 3, "too big", _time.GetUtcNow())]));

        var report = await PublishedHealthAsync();

        Assert.Equal(HealthReport.Degraded, report.Status);
        Assert.Equal(2, report.Reasons.Count);
        Assert.Contains(report.Reasons, r => r.StartsWith("4 inventories parked: a", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_no_published_status_health_computes_it_live_stores_it_and_is_healthy_when_nothing_is_wrong()
    {
        var report = await Monitor().HealthAsync();
        var next = await Monitor().HealthAsync(); // another instance: the stored status serves it

        Assert.Equal(HealthReport.Healthy, report.Status);
        Assert.Empty(report.Reasons);
        Assert.NotNull(_stored);
        Assert.Equal(_time.GetUtcNow(), _stored.At);
        Assert.Equal(HealthReport.Healthy, next.Status);
        _feeds.Verify(f => f.EstimateAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task With_no_published_status_and_the_estimate_failing_health_is_unhealthy_naming_Cosmos_DB()
    {
        _feeds.Setup(f => f.EstimateAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new HttpRequestException("connection refused"));

        var report = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Unhealthy, report.Status);
        Assert.Equal("unreachable", report.Cosmos.State);
        Assert.Null(_stored);
    }

    [Fact]
    public async Task A_published_function_without_leases_is_degraded_and_rechecked_live_once_the_status_is_older_than_the_recheck_period()
    {
        NoLeases();
        await Monitor().PublishAsync(CancellationToken.None);
        var justPublished = await Monitor().HealthAsync();
        var estimatesBefore = _feeds.Invocations.Count;
        Lag(0); // the processor has taken its lease meanwhile
        _time.Advance(HealthPolicy.Default.RecheckAfter - TimeSpan.FromSeconds(1));
        var beforeRecheck = await Monitor().HealthAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        var rechecked = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Degraded, justPublished.Status);
        Assert.Contains("has not started", Assert.Single(justPublished.Reasons), StringComparison.Ordinal);
        Assert.Equal(HealthReport.Degraded, beforeRecheck.Status);
        Assert.Equal(estimatesBefore + 1, _feeds.Invocations.Count);
        Assert.Equal(HealthReport.Healthy, rechecked.Status);
        Assert.Equal(_time.GetUtcNow(), _stored!.At);
    }

    [Fact]
    public async Task A_lease_its_owner_stopped_renewing_past_the_expiration_interval_is_a_reason_and_one_renewed_in_time_is_not()
    {
        var expiration = TimeSpan.FromSeconds(30);
        Renewed(_time.GetUtcNow() - expiration, expiration);
        var inTime = await PublishedHealthAsync();
        Renewed(_time.GetUtcNow() - expiration - TimeSpan.FromSeconds(15), expiration);
        var stopped = await PublishedHealthAsync();

        Assert.Equal(HealthReport.Healthy, inTime.Status);
        Assert.Equal(HealthReport.Degraded, stopped.Status);
        var reason = Assert.Single(stopped.Reasons);
        Assert.StartsWith("ProjectInventory: lease 0 held by 'host-a' was last renewed 45 s", reason, StringComparison.Ordinal);
        Assert.Contains("expires after 30 s", reason, StringComparison.Ordinal);
        Assert.Single(Assert.Single(stopped.Published!.Feeds!).Unrenewed(stopped.Published.At));
    }

    [Fact]
    public async Task Transfers_debited_for_longer_than_the_relay_takes_are_counted_and_a_reason_and_recent_ones_are_not()
    {
        _transfers.Write("alice", new InventoryFunctions.Domain.ItemAdded("sword", 2));
        var service = new InventoryFunctions.Application.TransferService(new InventoryFunctions.Application.InventoryService(_transfers, _time, NullLogger<InventoryFunctions.Application.InventoryService>.Instance),
            _transfers, _time, NullLogger<InventoryFunctions.Application.TransferService>.Instance);
        await service.StartAsync(new InventoryFunctions.Application.TransferRequest("alice", "bob", [new InventoryFunctions.Domain.TransferLine("sword", 1)], "k1"), CancellationToken.None);
        var fresh = await PublishedHealthAsync();
        _time.Advance(InventoryFunctions.Application.TransferService.StuckAfter + TimeSpan.FromSeconds(1));
        await service.StartAsync(new InventoryFunctions.Application.TransferRequest("alice", "bob", [new InventoryFunctions.Domain.TransferLine("sword", 1)], "k2"), CancellationToken.None);
        var stuck = await PublishedHealthAsync();

        Assert.Equal(HealthReport.Healthy, fresh.Status);
        Assert.Equal(0, fresh.Published!.StuckTransfers);
        Assert.Equal(HealthReport.Degraded, stuck.Status);
        Assert.Equal(1, stuck.Published!.StuckTransfers);
        Assert.StartsWith("1 transfer(s) still debited after 1 min", Assert.Single(stuck.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_stored_before_lease_renewals_were_recorded_flags_no_lease()
    {
        var old = new FeedLag("ProjectInventory", "ProjectInventory", [new LeaseLag("0", 0, "host-a")]);

        Assert.Empty(old.Unrenewed(_time.GetUtcNow()));
    }

    [Fact]
    public async Task A_status_older_than_the_stale_period_is_degraded_because_the_timer_is_not_running()
    {
        await Monitor().PublishAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        var atLimit = await Monitor().HealthAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        var stale = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Healthy, atLimit.Status);
        Assert.Equal(HealthReport.Degraded, stale.Status);
        Assert.StartsWith("projection status is stale (timer not running)", Assert.Single(stale.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_dependency_is_unhealthy_and_the_other_is_still_reported()
    {
        await Monitor().PublishAsync(CancellationToken.None);
        _poison.Setup(p => p.CountAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("connection refused"));

        var report = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Unhealthy, report.Status);
        Assert.Equal("unreachable", report.Storage.State);
        Assert.True(report.Cosmos.IsOk);
        Assert.NotNull(report.Published);
    }

    [Fact]
    public async Task Cosmos_DB_not_answering_the_status_read_is_unhealthy()
    {
        _published.Setup(s => s.ReadAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new HttpRequestException("connection refused"));

        var report = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Unhealthy, report.Status);
        Assert.Equal("unreachable", report.Cosmos.State);
        Assert.True(report.Storage.IsOk);
    }

    [Fact]
    public async Task Health_reads_only_the_published_status_never_the_estimator()
    {
        await Monitor().PublishAsync(CancellationToken.None);
        _feeds.Invocations.Clear();
        _parked.Invocations.Clear();
        _published.Invocations.Clear();

        await Monitor().HealthAsync();

        Assert.Empty(_feeds.Invocations);
        Assert.Empty(_parked.Invocations);
        _published.Verify(s => s.ReadAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_status_that_Cosmos_DB_did_not_answer_is_not_stored()
    {
        _feeds.Setup(f => f.EstimateAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new HttpRequestException("connection refused"));

        var status = await Monitor().PublishAsync(CancellationToken.None);

        Assert.False(status.Cosmos.IsOk);
        Assert.Null(_stored);
    }

    [Fact]
    public async Task A_health_answer_is_reused_within_the_cache_period_and_refreshed_after_it()
    {
        await Monitor().PublishAsync(CancellationToken.None);
        _published.Invocations.Clear();
        var monitor = Monitor(cacheSeconds: 5);

        await monitor.HealthAsync();
        _time.Advance(TimeSpan.FromSeconds(4));
        await monitor.HealthAsync();
        var beforeExpiry = _published.Invocations.Count;
        _time.Advance(TimeSpan.FromSeconds(1));
        await monitor.HealthAsync();

        Assert.Equal(1, beforeExpiry);
        Assert.Equal(2, _published.Invocations.Count);
    }

    [Fact]
    public void Gauges_report_the_latest_published_status_per_function_and_lease()
    {
        using var gauges = new ProjectionGauges();
        var observed = new List<(string Name, long Value, string? Lease)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProjectionGauges.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => observed.Add((i.Name, value, Lease(tags))));
        listener.SetMeasurementEventCallback<int>((i, value, tags, _) => observed.Add((i.Name, value, null)));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => observed.Add((i.Name, (long)value, null)));
        listener.Start();

        listener.RecordObservableInstruments();
        var beforePublish = observed.Count;
        gauges.Publish(new ProjectionStatus([new FeedLag("ProjectInventory", "ProjectInventory",
                [new LeaseLag("0", 7, null, _time.GetUtcNow().AddSeconds(-90)), new LeaseLag("1", 2, null, _time.GetUtcNow().AddSeconds(-30))])],
            3, ParkedSummary.None, DependencyState.Ok, DependencyState.Ok, _time.GetUtcNow()));
        listener.RecordObservableInstruments();

        Assert.Equal(0, beforePublish);
        Assert.Contains(("projection.lag.documents", 7L, "0"), observed);
        Assert.Contains(("projection.lag.documents", 2L, "1"), observed);
        Assert.Contains(("projection.poison.messages", 3L, null), observed);
        Assert.Contains(("projection.parked.inventories", 0L, null), observed);
        Assert.Contains(("projection.lag.age", 90L, null), observed); // the oldest over the function's leases
    }

    private static string? Lease(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "lease")
                return (string?)tag.Value;
        }
        return null;
    }
}
