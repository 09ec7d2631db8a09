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
    public Task<IResult> GetDwellTime(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/dwell-time")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken) =>
        HttpEdge.ReadAsync(logger, inventoryId, errors => (int)RequestReader.ReadInteger(request, "page", 0, 0, ViewParts.Buckets / FreshViews.DwellPartsPerPage, errors),
            page => views.DwellPageAsync(inventoryId, page, cancellationToken),
            (page, read) => ViewResults.Answer(request, read, inventoryId, p => p.View.Version, p => DwellTimeResponse.From(p, time.GetUtcNow()), p => p.View.Parked, page));
}
