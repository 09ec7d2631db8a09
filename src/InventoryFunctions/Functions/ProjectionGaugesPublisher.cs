using InventoryFunctions.Projections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// Every minute, computes the projection status and publishes it as the <see cref="ProjectionGauges"/>. A hosted
/// service of the worker rather than a <c>[TimerTrigger]</c> function: the Timer extension's host package is not on
/// every feed (this project's CI lacks it), and a hosted service runs the same under the Functions host and locally.
/// It runs on each instance; the always-ready instance of the change-feed trigger keeps one running on Flex Consumption.
/// </summary>
public sealed class ProjectionGaugesPublisher(
    ProjectionMonitor monitor, ProjectionGauges gauges, TimeProvider time, IConfiguration configuration, ILogger<ProjectionGaugesPublisher> logger)
    : BackgroundService
{
    /// <summary>Seconds between publications (default 60); 0 turns publishing off (tests that count Cosmos requests).</summary>
    public const string IntervalSetting = "ProjectionGauges:IntervalSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = configuration.GetValue(IntervalSetting, 60);
        if (seconds <= 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), time);
        do
        {
            var status = await monitor.StatusAsync(stoppingToken);
            gauges.Publish(status);
            logger.LogDebug("Projection status published: lag {Lag}, poison {Poison}", status.Feeds?.Sum(f => f.EstimatedDocuments), status.PoisonMessages);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
