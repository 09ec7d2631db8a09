using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/projections/status</c>: per change-feed function and lease, the change feed estimator's count of changes
/// not processed yet; poison-queue depth; parked inventories. Not cached: every call asks Cosmos DB and Storage.
/// </summary>
public sealed class ProjectionStatusFunction(ProjectionMonitor monitor)
{
    [Function("ProjectionStatus")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "projections/status")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var status = await monitor.StatusAsync(cancellationToken);
        return TypedResults.Ok(new StatusResponse(
            status.Feeds?.Select(f => new FeedResponse(f.FunctionName, f.ProcessorName, f.EstimatedDocuments, f.Leases.Count > 0,
                [.. f.Leases.Select(l => new LeaseResponse(l.LeaseToken, l.EstimatedDocuments, l.Owner, null))])).ToList(),
            status.PoisonMessages, status.Parked, status.Cosmos, status.Storage, status.At.UtcDateTime,
            OldestUnprojectedAgeNote));
    }

    /// <summary>Why each lease's <c>oldestUnprojectedAgeSeconds</c> is null (see README, "Operating it").</summary>
    public const string OldestUnprojectedAgeNote =
        "oldestUnprojectedAgeSeconds is not computed: the SDK's estimator reads the next unprocessed change but does not expose it, " +
        "and reading it again needs the lease's continuation as a change-feed start token, which the SDK offers no public way to build.";

    public sealed record StatusResponse(
        IReadOnlyList<FeedResponse>? Functions, int? PoisonMessages, IReadOnlyList<ParkedInventory>? Parked,
        DependencyState Cosmos, DependencyState Storage, DateTime At, string Note);

    public sealed record FeedResponse(string Function, string ProcessorName, long EstimatedDocuments, bool Started, IReadOnlyList<LeaseResponse> Leases);

    public sealed record LeaseResponse(string LeaseToken, long EstimatedDocuments, string? Owner, double? OldestUnprojectedAgeSeconds);
}
