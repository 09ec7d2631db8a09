using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/inventories/{inventoryId}/dwell-time</c>: per item and over all items, units removed with their mean,
/// median and p90 dwell, and units still held with the age of the oldest. One point read of the dwell-time view.
/// </summary>
public sealed class GetDwellTimeFunction(IViewStore<DwellTimeView> views, TimeProvider time, ILogger<GetDwellTimeFunction> logger)
{
    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetDwellTime))]
    public async Task<IResult> GetDwellTime(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/dwell-time")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var errors = CommandParser.ErrorsForRoute(inventoryId);
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (stored, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => views.ReadAsync(inventoryId, cancellationToken));
        if (problem is not null)
            return problem;
        if (stored is null || (stored.View is { } counting && PermanentFailure.OnlyCountsFailures(counting.Version, counting.Parked)))
            return ViewResults.NotFound(inventoryId);
        if (stored.View is not { } view)
            return Problems.CorruptProjection.With($"The dwell-time view of '{inventoryId}' is damaged; it is rebuilt from the log on the inventory's next event.");
        request.HttpContext.Response.Headers.ETag = HttpEdge.ETag(view.Version);
        ViewResults.MarkParked(request.HttpContext.Response.Headers, view.Parked);
        return TypedResults.Ok(DwellTimeResponse.From(view, time.GetUtcNow()));
    }
}
