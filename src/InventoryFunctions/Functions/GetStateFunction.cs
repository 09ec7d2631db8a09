using System.Globalization;
using InventoryFunctions.Http;
using InventoryFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// Time travel: <c>GET /api/inventories/{inventoryId}/state?atVersion=N</c> (the state right after event N) or
/// <c>?asOf=2026-05-01T12:00:00Z</c> (after the last event that occurred at or before that instant), from the
/// nearest snapshot plus at most <c>SnapshotInterval</c> − 1 events.
/// </summary>
public sealed class GetStateFunction(IHistoryReader history, ILogger<GetStateFunction> logger)
{
    [Function(nameof(GetState))]
    public async Task<IResult> GetState(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "inventories/{inventoryId}/state")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        CommandParser.ValidateInventoryId(inventoryId, errors);
        var hasVersion = request.Query.ContainsKey("atVersion");
        var hasInstant = request.Query.ContainsKey("asOf");
        if (hasVersion == hasInstant)
            errors["query"] = ["Give exactly one of 'atVersion' (an event version, 0 or more) or 'asOf' (an ISO 8601 instant with a zone, e.g. 2026-05-01T12:00:00Z)."];
        var version = hasVersion ? RequestReader.ReadInteger(request, "atVersion", 0, 0, long.MaxValue, errors) : 0;
        var instant = hasInstant ? ReadInstant(request, errors) : null;
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (result, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => instant is { } asOf
            ? history.AsOfAsync(inventoryId, asOf, cancellationToken)
            : history.AtVersionAsync(inventoryId, version, cancellationToken));
        if (problem is not null)
            return problem;

        return result switch
        {
            HistoricState.Found { State: var state } => TypedResults.Ok(new StateResponse(inventoryId, state.Version, state.Items, instant?.UtcDateTime)),
            HistoricState.BeyondCurrent beyond => Problems.Create(StatusCodes.Status404NotFound, "version-not-found", "No such version yet.",
                $"Inventory '{inventoryId}' is at version {beyond.CurrentVersion}; version {version} does not exist.",
                new Dictionary<string, object?> { ["currentVersion"] = beyond.CurrentVersion }),
            _ => Problems.Create(StatusCodes.Status404NotFound, "inventory-not-found", "No such inventory.", $"Inventory '{inventoryId}' has no events."),
        };
    }

    // ISO 8601 only: DateTimeOffset.TryParse would also take "01/05/2026 12:00:00 +02:00" (as 5 January) or "May 1, 2026 …".
    // Upper-cased first, as RFC 3339 allows 't' and 'z'.
    private const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK";

    /// <summary>An instant must say its zone ('Z' or an offset): a local time would name a different instant per reader.</summary>
    private static DateTimeOffset? ReadInstant(HttpRequest request, Dictionary<string, string[]> errors)
    {
        var values = request.Query["asOf"];
        var text = values.Count == 1 ? values[0] : null;
        if (text is { Length: >= 20 }
            && (text[^1] is 'Z' or 'z' || text[^6] is '+' or '-')
            && DateTimeOffset.TryParseExact(text.ToUpperInvariant(), InstantFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            return instant.ToUniversalTime();
        errors["asOf"] = ["asOf must be one ISO 8601 instant with a zone, e.g. 2026-05-01T12:00:00Z."];
        return null;
    }
}
