using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary><c>GET /api/inventories/{inventoryId}</c>: the counts held, from the projection with one point read.</summary>
public sealed class GetInventoryFunction(IProjectionStore views, ILogger<GetInventoryFunction> logger)
{
    [Function(nameof(GetInventory))]
    public async Task<IResult> GetInventory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "inventories/{inventoryId}")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var errors = CommandParser.ErrorsForRoute(inventoryId);
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (view, problem) = await ViewResults.ReadAsync(request, views, logger, inventoryId, cancellationToken);
        if (view is null)
            return problem!;
        return TypedResults.Ok(new InventoryResponse(inventoryId, view.Version, view.Items, view.UpdatedAt.UtcDateTime, ParkedResponse.From(view)));
    }
}
