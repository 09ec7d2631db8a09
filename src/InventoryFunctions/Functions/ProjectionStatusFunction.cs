using InventoryFunctions.Http.Auth;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/projections/status</c>: per change-feed function and lease, the change feed estimator's count of changes
/// not processed yet and the age of the oldest of them; poison-queue depth; parked inventories (count and the first
/// few). Computed live on every call (several Cosmos DB requests per function), unlike <c>/api/health</c>.
/// </summary>
public sealed class ProjectionStatusFunction(ProjectionMonitor monitor)
{
    [Access(AccessPolicy.Operations)]
    [Function("ProjectionStatus")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "projections/status")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var status = await monitor.StatusAsync(cancellationToken);
        return TypedResults.Ok(new StatusResponse(
            status.Feeds?.Select(f => new FeedResponse(f.FunctionName, f.ProcessorName, f.EstimatedDocuments, f.Leases.Count > 0, AgeSeconds(f.OldestUnprojectedAt, status.At),
                [.. f.Leases.Select(l => new LeaseResponse(l.LeaseToken, l.EstimatedDocuments, l.Owner, AgeSeconds(l.OldestUnprojectedAt, status.At),
                    AgeSeconds(l.RenewedAt, status.At), f.Unrenewed(status.At).Contains(l)))])).ToList(),
            status.PoisonMessages, status.Parked, status.Cosmos, status.Storage, status.At.UtcDateTime, status.StuckTransfers));
    }

    private static double? AgeSeconds(DateTimeOffset? writtenAt, DateTimeOffset now) =>
        writtenAt is { } at ? Math.Round((now - at).TotalSeconds, 1) : null;

    public sealed record StatusResponse(
        IReadOnlyList<FeedResponse>? Functions, int? PoisonMessages, ParkedSummary? Parked,
        DependencyState Cosmos, DependencyState Storage, DateTime At, int? StuckTransfers);

    public sealed record FeedResponse(string Function, string ProcessorName, long EstimatedDocuments, bool Started, double? OldestUnprojectedAgeSeconds, IReadOnlyList<LeaseResponse> Leases);

    /// <param name="OldestUnprojectedAgeSeconds">Seconds since the lease's oldest unprocessed change was written (its <c>_ts</c>, 1 s precision); null when caught up.</param>
    /// <param name="RenewedAgeSeconds">Seconds since the lease document was last written (a renewal or a checkpoint; 1 s precision).</param>
    /// <param name="Unrenewed">True when an owner holds the lease but has not renewed it within the lease expiration interval (it stopped).</param>
    public sealed record LeaseResponse(string LeaseToken, long EstimatedDocuments, string? Owner, double? OldestUnprojectedAgeSeconds, double? RenewedAgeSeconds, bool Unrenewed);
}
