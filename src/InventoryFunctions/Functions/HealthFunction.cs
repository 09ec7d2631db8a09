using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/health</c>: 200 <c>healthy</c> or <c>degraded</c> (with reasons: projection lag above the threshold,
/// poison messages waiting, parked inventories, a change-feed function that never started), 503 <c>unhealthy</c> when
/// Cosmos DB or Storage does not answer. One field per dependency. The answer is reused for a few seconds, so a
/// probe costs Cosmos DB at most one estimate (a lease query and one change-feed read per lease) per period.
/// </summary>
public sealed class HealthFunction(ProjectionMonitor monitor)
{
    [Function("Health")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await monitor.HealthAsync().WaitAsync(cancellationToken);
        var details = report.Details;
        var lag = details.Feeds?.ToDictionary(f => f.FunctionName, f => f.EstimatedDocuments);
        if (report.Status == HealthReport.Unhealthy)
        {
            return HttpEdge.WithRetryAfter(5, Problems.ServiceUnavailable.With(string.Join("; ", report.Reasons), new Dictionary<string, object?>
            {
                ["health"] = report.Status,
                ["reasons"] = report.Reasons,
                ["cosmos"] = details.Cosmos.State,
                ["storage"] = details.Storage.State,
                ["checkedAt"] = details.At.UtcDateTime,
            }));
        }
        return TypedResults.Ok(new HealthResponse(report.Status, report.Reasons, details.Cosmos.State, details.Storage.State,
            lag, details.PoisonMessages, details.Parked?.Count, details.At.UtcDateTime));
    }

    /// <param name="LagDocuments">Per change-feed function, the estimated changes not processed yet.</param>
    public sealed record HealthResponse(
        string Status, IReadOnlyList<string> Reasons, string Cosmos, string Storage,
        IReadOnlyDictionary<string, long>? LagDocuments, int? PoisonMessages, int? ParkedInventories, DateTime CheckedAt);
}
