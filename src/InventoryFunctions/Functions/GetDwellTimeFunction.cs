using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/inventories/{inventoryId}/dwell-time?page=N</c>: over all items and per item (a page of them at a time),
/// units removed with their mean, median and p90 dwell, and units still held with the age of the oldest. One point
/// read of the view's root and one query of a page of its parts (see <see cref="FreshViews.DwellPageAsync"/>).
/// </summary>
public sealed class GetDwellTimeFunction(FreshViews views, TimeProvider time, ILogger<GetDwellTimeFunction> logger)
{
    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetDwellTime))]
    public async Task<IResult> GetDwellTime(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/dwell-time")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var errors = CommandParser.ErrorsForRoute(inventoryId);
        var page = (int)RequestReader.ReadInteger(request, "page", 0, 0, ViewParts.Buckets / FreshViews.DwellPartsPerPage, errors);
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (read, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => views.DwellPageAsync(inventoryId, page, cancellationToken));
        return problem ?? ViewResults.Answer(request, read!, inventoryId, p => p.View.Version, p => DwellTimeResponse.From(p, time.GetUtcNow()), p => p.View.Parked, page);
    }
}
