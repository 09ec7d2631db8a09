using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/most-collected?top=3</c>: items by total units ever added across all inventories; ties go to the item
/// first added anywhere (earliest occurredAt, then inventory id, then version). One point read of the merged board.
/// </summary>
public sealed class GetGlobalMostCollectedFunction(IGlobalCollectedStore store, ILogger<GetGlobalMostCollectedFunction> logger)
{
    [Access(AccessPolicy.AllInventoriesRead)]
    [Function(nameof(GetGlobalMostCollected))]
    public async Task<IResult> GetGlobalMostCollected(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "most-collected")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var top = (int)RequestReader.ReadInteger(request, "top", 3, 1, GlobalMostCollected.MaxTop, errors);
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (stored, problem) = await HttpEdge.GuardAsync(logger, "(all)", () => store.ReadBoardAsync(cancellationToken));
        if (problem is not null)
            return problem;
        return TypedResults.Ok(new GlobalMostCollectedResponse([.. stored!.Board.Top(top).Select(t => new CollectedItem(t.ItemId, t.Collected))]));
    }
}
