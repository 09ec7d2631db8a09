using InventoryFunctions.Http;
using InventoryFunctions.Http.Auth;
using InventoryFunctions.Operations;
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
    [Function(nameof(ProjectionStatus))]
    public async Task<IResult> ProjectionStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "projections/status")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        return TypedResults.Ok(StatusResponse.From(await monitor.StatusAsync(cancellationToken)));
    }
}
