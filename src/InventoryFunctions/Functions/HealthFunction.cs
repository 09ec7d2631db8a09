using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
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
    [Function("Health")]
    public async Task<IResult> Run(
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
        var published = report.Published;
        return TypedResults.Ok(new HealthResponse(report.Status, report.Reasons, report.Cosmos.State, report.Storage.State,
            published?.Feeds?.ToDictionary(f => f.FunctionName, f => f.EstimatedDocuments),
            published?.Feeds?.Where(f => f.OldestUnprojectedAt is not null).ToDictionary(f => f.FunctionName, f => Math.Round((report.At - f.OldestUnprojectedAt!.Value).TotalSeconds, 1)),
            report.PoisonMessages, published?.Parked?.Count, report.At.UtcDateTime, published?.At.UtcDateTime, published?.StuckTransfers));
    }

    /// <param name="LagDocuments">Per change-feed function, the estimated changes not processed yet (as published).</param>
    /// <param name="OldestUnprojectedAgeSeconds">Per change-feed function behind, how long ago its oldest unprocessed change was written.</param>
    /// <param name="StatusPublishedAt">When the status timer computed the projection numbers; null when it has not yet.</param>
    public sealed record HealthResponse(
        string Status, IReadOnlyList<string> Reasons, string Cosmos, string Storage,
        IReadOnlyDictionary<string, long>? LagDocuments, IReadOnlyDictionary<string, double>? OldestUnprojectedAgeSeconds,
        int? PoisonMessages, int? ParkedInventories, DateTime CheckedAt, DateTime? StatusPublishedAt, int? StuckTransfers);
}
