using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Application;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// Time travel: <c>GET /api/inventories/{inventoryId}/state?atVersion=N</c> (the state right after event N) or
/// <c>?asOf=2026-05-01T12:00:00Z</c> (after the last event that occurred at or before that instant), from the
/// nearest snapshot plus at most <c>SnapshotInterval</c> − 1 events.
/// </summary>
public sealed class GetStateFunction(IEventLogReader log, ILogger<GetStateFunction> logger)
{
    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetState))]
    public Task<IResult> GetState(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/state")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken) =>
        HttpEdge.ReadAsync(logger, inventoryId, errors => ReadPoint(request, errors),
            asked => asked.Instant is { } asOf ? log.AsOfAsync(inventoryId, asOf, cancellationToken) : log.AtVersionAsync(inventoryId, asked.Version, cancellationToken),
            (asked, result) => result switch
            {
                HistoricState.Found { State: var state } => TypedResults.Ok(new StateResponse(inventoryId, state.Version, state.Items, asked.Instant?.UtcDateTime)),
                HistoricState.BeyondCurrent beyond => Problems.VersionNotReached(
                    $"Inventory '{inventoryId}' is at version {beyond.CurrentVersion}; version {asked.Version} does not exist.", beyond.CurrentVersion),
                _ => Problems.NoEvents(inventoryId),
            });

    /// <summary>Exactly one of <c>atVersion</c> and <c>asOf</c>.</summary>
    private static (long Version, DateTimeOffset? Instant) ReadPoint(HttpRequest request, Dictionary<string, string[]> errors)
    {
        var hasVersion = request.Query.ContainsKey("atVersion");
        var hasInstant = request.Query.ContainsKey("asOf");
        if (hasVersion == hasInstant)
            errors["query"] = ["Give exactly one of 'atVersion' (an event version, 0 or more) or 'asOf' (an ISO 8601 instant with a zone, e.g. 2026-05-01T12:00:00Z)."];
        var version = hasVersion ? RequestReader.ReadInteger(request, "atVersion", 0, 0, long.MaxValue, errors) : 0;
        var instant = hasInstant ? RequestReader.ReadInstant(request, "asOf", errors) : null;
        return (version, instant);
    }
}
