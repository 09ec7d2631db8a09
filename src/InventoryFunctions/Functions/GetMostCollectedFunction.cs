using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/inventories/{inventoryId}/most-collected?top=3</c>: items ranked by the total quantity ever added
/// (removals do not lower it); ties go to the item first added earlier. One point read.
/// </summary>
public sealed class GetMostCollectedFunction(IProjectionStore views, ILogger<GetMostCollectedFunction> logger)
{
    public const int MaxTop = 100;

    [Function(nameof(GetMostCollected))]
    public async Task<IResult> GetMostCollected(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "inventories/{inventoryId}/most-collected")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var errors = CommandParser.ErrorsForRoute(inventoryId);
        var top = (int)RequestReader.ReadInteger(request, "top", 3, 1, MaxTop, errors);
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (view, problem) = await ViewResults.ReadAsync(request, views, logger, inventoryId, cancellationToken);
        if (view is null)
            return problem!;
        return TypedResults.Ok(new MostCollectedResponse(inventoryId, view.Version, view.MostCollected(top), ParkedResponse.From(view)));
    }
}
