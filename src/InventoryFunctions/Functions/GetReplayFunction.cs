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
    public Task<IResult> GetReplay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/replay")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken) =>
        HttpEdge.ReadAsync(logger, inventoryId, errors => ReadRange(request, errors),
            asked => replay.ReadAsync(inventoryId, asked.From, asked.To, cancellationToken),
            (_, result) => result switch
            {
                (_, { } page) => TypedResults.Ok(HistoryReplayResponse.From(inventoryId, page)),
                (HistoricState.BeyondCurrent beyond, _) => Problems.VersionNotReached(
                    $"Inventory '{inventoryId}' is at version {beyond.CurrentVersion}; a replay can start at version {beyond.CurrentVersion + 1} at most.", beyond.CurrentVersion),
                _ => Problems.NoEvents(inventoryId),
            });

    /// <summary><c>fromVersion</c> (default 1) to <c>toVersion</c> (default a page on), in order.</summary>
    private static (long From, long To) ReadRange(HttpRequest request, Dictionary<string, string[]> errors)
    {
        var fromVersion = RequestReader.ReadInteger(request, "fromVersion", 1, 1, long.MaxValue - InventoryReplay.MaxPageSize, errors);
        var toVersion = RequestReader.ReadInteger(request, "toVersion", fromVersion + InventoryReplay.MaxPageSize - 1, 1, long.MaxValue, errors);
        if (!errors.ContainsKey("fromVersion") && !errors.ContainsKey("toVersion") && toVersion < fromVersion)
            errors["toVersion"] = [$"toVersion must be at least fromVersion ({fromVersion})."];
        return (fromVersion, toVersion);
    }
}
