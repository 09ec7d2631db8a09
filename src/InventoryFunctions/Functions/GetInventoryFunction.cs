using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/inventories/{inventoryId}?minVersion=N</c>: the counts held, from the projection with one point read;
/// with <c>minVersion</c>, from the write side's head when the projection has not reached N yet.
/// </summary>
public sealed class GetInventoryFunction(FreshViews views, ILogger<GetInventoryFunction> logger)
{
    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetInventory))]
    public Task<IResult> GetInventory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken) =>
        HttpEdge.ReadAsync(logger, inventoryId, errors => RequestReader.ReadMinVersion(request, errors),
            minVersion => views.CountsAsync(inventoryId, minVersion, cancellationToken),
            (_, read) => ViewResults.Answer(request, read, inventoryId, counts => counts.Version,
                counts => new InventoryResponse(inventoryId, counts.Version, counts.Items, counts.UpdatedAt.UtcDateTime, ParkedResponse.From(counts.Parked)),
                counts => counts.Parked));
}
