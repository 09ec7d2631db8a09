using System.Diagnostics.Metrics;
using InventoryFunctions.Projections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace InventoryFunctions.Tests.Projections;

/// <summary>Health states from the monitor's ports (Moq at the ports; the real estimator is in the integration tests).</summary>
public class ProjectionMonitorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly Mock<IChangeFeedMonitor> _feeds = new();
    private readonly Mock<IPoisonQueue> _poison = new();
    private readonly Mock<IParkedInventories> _parked = new();

    public ProjectionMonitorTests()
    {
        Lag(0);
        _poison.Setup(p => p.CountAsync(It.IsAny<CancellationToken>())).ReturnsAsync(0);
        _parked.Setup(p => p.ListAsync(It.IsAny<int>(), It.IsAny<CancellationToken>())).ReturnsAsync([]);
    }

    private void Lag(params long[] perLease) => _feeds.Setup(f => f.EstimateAsync(It.IsAny<CancellationToken>()))
        .ReturnsAsync([new FeedLag("ProjectInventory", "ProjectInventory", [.. perLease.Select((lag, i) => new LeaseLag(i.ToString(System.Globalization.CultureInfo.InvariantCulture), lag, "host"))])]);

    private ProjectionMonitor Monitor(long threshold = 10, int cacheSeconds = 5) =>
        new(_feeds.Object, _poison.Object, _parked.Object, new HealthPolicy(threshold, TimeSpan.FromSeconds(cacheSeconds)), _time, NullLogger<ProjectionMonitor>.Instance);

    [Fact]
    public async Task Caught_up_with_nothing_waiting_is_healthy()
    {
        var report = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Healthy, report.Status);
        Assert.Empty(report.Reasons);
    }

    [Fact]
    public async Task Lag_summed_over_leases_above_the_threshold_is_degraded_and_at_it_is_not()
    {
        Lag(6, 5);
        var above = await Monitor(threshold: 10).HealthAsync();
        var at = await Monitor(threshold: 11).HealthAsync();

        Assert.Equal(HealthReport.Degraded, above.Status);
        Assert.Contains("about 11 changes", Assert.Single(above.Reasons), StringComparison.Ordinal);
        Assert.Equal(HealthReport.Healthy, at.Status);
    }

    [Fact]
    public async Task Poison_waiting_and_parked_inventories_are_each_a_reason()
    {
        _poison.Setup(p => p.CountAsync(It.IsAny<CancellationToken>())).ReturnsAsync(2);
        _parked.Setup(p => p.ListAsync(It.IsAny<int>(), It.IsAny<CancellationToken>())).ReturnsAsync([new ParkedInventory("a", 3, "too big", _time.GetUtcNow())]);

        var report = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Degraded, report.Status);
        Assert.Equal(2, report.Reasons.Count);
    }

    [Fact]
    public async Task An_unreachable_dependency_is_unhealthy_and_the_other_is_still_reported()
    {
        _poison.Setup(p => p.CountAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("connection refused"));

        var report = await Monitor().HealthAsync();

        Assert.Equal(HealthReport.Unhealthy, report.Status);
        Assert.Equal("unreachable", report.Details.Storage.State);
        Assert.True(report.Details.Cosmos.IsOk);
        Assert.NotNull(report.Details.Feeds);
    }

    [Fact]
    public async Task A_health_answer_is_reused_within_the_cache_period_and_refreshed_after_it()
    {
        var monitor = Monitor(cacheSeconds: 5);

        await monitor.HealthAsync();
        _time.Advance(TimeSpan.FromSeconds(4));
        await monitor.HealthAsync();
        var beforeExpiry = _feeds.Invocations.Count;
        _time.Advance(TimeSpan.FromSeconds(1));
        await monitor.HealthAsync();

        Assert.Equal(1, beforeExpiry);
        Assert.Equal(2, _feeds.Invocations.Count);
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
        listener.Start();

        listener.RecordObservableInstruments();
        var beforePublish = observed.Count;
        gauges.Publish(new ProjectionStatus([new FeedLag("ProjectInventory", "ProjectInventory", [new LeaseLag("0", 7, null), new LeaseLag("1", 2, null)])],
            3, [], DependencyState.Ok, DependencyState.Ok, _time.GetUtcNow()));
        listener.RecordObservableInstruments();

        Assert.Equal(0, beforePublish);
        Assert.Contains(("projection.lag.documents", 7L, "0"), observed);
        Assert.Contains(("projection.lag.documents", 2L, "1"), observed);
        Assert.Contains(("projection.poison.messages", 3L, null), observed);
        Assert.Contains(("projection.parked.inventories", 0L, null), observed);
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
