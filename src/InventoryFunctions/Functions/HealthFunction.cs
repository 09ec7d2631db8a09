using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/health</c>: 200 <c>healthy</c> or <c>degraded</c> (with reasons: projection lag above the threshold,
/// poison messages waiting, parked inventories, a change-feed function that never started, a projection status that is
/// missing or stale), 503 <c>unhealthy</c> when Cosmos DB or Storage does not answer. One field per dependency. The
/// projection numbers are those the status timer published; a call costs one Cosmos DB point read and one Storage
/// request, and the answer is reused for a few seconds.
/// </summary>
public sealed class HealthFunction(ProjectionMonitor monitor)
{
    [Access(AccessPolicy.Anonymous)]
    [Function(nameof(Health))]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await monitor.HealthAsync().WaitAsync(cancellationToken);
        if (report.Status == HealthReport.Unhealthy)
        {
            return HttpEdge.WithRetryAfter(5, Problems.ServiceUnavailable.With(string.Join("; ", report.Reasons), new Dictionary<string, object?>
            {
                ["health"] = report.Status,
                ["reasons"] = report.Reasons,
                ["cosmos"] = report.Cosmos.State,
                ["storage"] = report.Storage.State,
                ["checkedAt"] = report.At.UtcDateTime,
            }));
        }
        return TypedResults.Ok(HealthResponse.From(report));
    }
}
