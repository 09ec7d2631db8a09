using InventoryFunctions.Http.Auth;
using InventoryFunctions.Application;
using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/inventories/{inventoryId}/replay?fromVersion=1&amp;toVersion=1000</c>: each event of the range (at most
/// 1,000 a page) with the state right after it, for a client that steps through a session. The first state comes from
/// the nearest snapshot. Cost: time travel to <c>fromVersion − 1</c> (a point read + a bounded query) + one page query.
/// </summary>
public sealed class GetReplayFunction(InventoryReplay replay, ILogger<GetReplayFunction> logger)
{
    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetReplay))]
    public async Task<IResult> GetReplay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/replay")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var errors = CommandParser.ErrorsForRoute(inventoryId);
        var fromVersion = RequestReader.ReadInteger(request, "fromVersion", 1, 1, long.MaxValue - InventoryReplay.MaxPageSize, errors);
        var toVersion = RequestReader.ReadInteger(request, "toVersion", fromVersion + InventoryReplay.MaxPageSize - 1, 1, long.MaxValue, errors);
        if (!errors.ContainsKey("fromVersion") && !errors.ContainsKey("toVersion") && toVersion < fromVersion)
            errors["toVersion"] = [$"toVersion must be at least fromVersion ({fromVersion})."];
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (result, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => replay.ReadAsync(inventoryId, fromVersion, toVersion, cancellationToken));
        if (problem is not null)
            return problem;

        return result switch
        {
            (_, { } page) => TypedResults.Ok(ReplayResponse.From(inventoryId, page)),
            (HistoricState.BeyondCurrent beyond, _) => Problems.VersionNotFound.With(
                $"Inventory '{inventoryId}' is at version {beyond.CurrentVersion}; a replay can start at version {beyond.CurrentVersion + 1} at most.",
                new Dictionary<string, object?> { ["currentVersion"] = beyond.CurrentVersion }),
            _ => Problems.InventoryNotFound.With($"Inventory '{inventoryId}' has no events."),
        };
    }
}
