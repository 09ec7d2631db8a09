using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// Every minute (<c>ProjectionStatusSchedule</c>, NCRONTAB <c>0 */1 * * * *</c>): computes the projection status (the
/// change feed estimator, the age of the oldest unprojected change, parked inventories, poison-queue depth), publishes
/// it as the projection gauges and stores it for <c>/api/health</c>. A timer trigger runs on one instance at a time
/// (the host's singleton lock), so the gauges come from one place.
/// </summary>
public sealed class PublishProjectionStatusFunction(ProjectionMonitor monitor, ILogger<PublishProjectionStatusFunction> logger)
{
    [Function(nameof(PublishProjectionStatus))]
    public async Task PublishProjectionStatus([TimerTrigger("%" + AppSettings.ProjectionStatusSchedule + "%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var status = await monitor.PublishAsync(cancellationToken);
        logger.LogInformation("Projection status published (past due {PastDue}): lag {Lag}, parked {Parked}, poison {Poison}, Cosmos DB {Cosmos}",
            timer.IsPastDue, status.Feeds?.Sum(f => f.EstimatedDocuments), status.Parked?.Count, status.PoisonMessages, status.Cosmos.State);
    }
}
