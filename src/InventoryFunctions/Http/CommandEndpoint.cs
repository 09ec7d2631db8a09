using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.Http.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Http;

/// <summary>What the three write functions share: headers in, the service called, the outcome mapped to HTTP.</summary>
public static class CommandEndpoint
{
    public const string IdempotentReplayedHeader = "Idempotent-Replayed";

    /// <summary>
    /// Reads the JSON body, parses it with <paramref name="parse"/> (null when the errors say why) and runs the command
    /// as <see cref="ExecuteAsync"/> does.
    /// </summary>
    public static Task<IResult> ExecuteJsonAsync(HttpRequest request, InventoryService service, string inventoryId,
        Func<JsonElement, Dictionary<string, string[]>, InventoryCommand?> parse, int successStatus, ILogger logger, CancellationToken cancellationToken) =>
        RequestReader.WithJsonBodyAsync(request, body =>
        {
            var errors = new Dictionary<string, string[]>();
            var command = parse(body, errors);
            return ExecuteAsync(request, service, inventoryId, command, errors, successStatus, logger, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="command"/> (already parsed; null when <paramref name="errors"/> says why) and answers
    /// with <paramref name="successStatus"/> and the appended events (a replay too: the same request answered the same
    /// way the first time), or the problem.
    /// </summary>
    public static async Task<IResult> ExecuteAsync(HttpRequest request, InventoryService service, string inventoryId,
        InventoryCommand? command, Dictionary<string, string[]> errors, int successStatus, ILogger logger, CancellationToken cancellationToken)
    {
        CommandParser.ValidateInventoryId(inventoryId, errors);
        var expectedVersion = RequestReader.ReadExpectedVersion(request, errors);
        var key = RequestReader.ReadIdempotencyKey(request, errors);
        if (errors.Count > 0 || command is null)
            return Problems.Validation(errors);

        var outcome = await HttpEdge.GuardAsync(logger, inventoryId,
            async () => await service.HandleAsync(new CommandRequest(inventoryId, command, expectedVersion, key, Principal.Of(request.HttpContext)?.Actor), cancellationToken));
        if (outcome.Problem is not null)
            return outcome.Problem;

        var response = request.HttpContext.Response;
        if (outcome.Value is CommandOutcome.Appended appended)
        {
            response.Headers.ETag = HttpEdge.ETag(appended.Version);
            if (appended.Replayed)
                response.Headers[IdempotentReplayedHeader] = "true";
            var body = new AppendResponse(inventoryId, appended.Version, [.. appended.Events.Select(EventResponse.From)]);
            return TypedResults.Json(body, statusCode: successStatus);
        }
        return ProblemFor(outcome.Value!, response, inventoryId);
    }

    /// <summary>The problem answering a command that wrote nothing (every outcome but an append).</summary>
    public static IResult ProblemFor(CommandOutcome outcome, HttpResponse response, string inventoryId)
    {
        switch (outcome)
        {
            case CommandOutcome.Rejected { Reason: InsufficientQuantity r }:
                return Problems.InsufficientQuantity.With($"Cannot remove {r.Requested} of '{r.ItemId}': {r.Held} held.",
                    new Dictionary<string, object?> { ["itemId"] = r.ItemId, ["requested"] = r.Requested, ["held"] = r.Held });
            case CommandOutcome.Rejected { Reason: DistinctItemsLimitExceeded r }:
                return Problems.DistinctItemsLimitExceeded.With(
                    $"Cannot add '{r.ItemId}': the inventory already holds {r.Limit} distinct items, the most it can (limit maxDistinctItemsHeld). Nothing was written.",
                    new Dictionary<string, object?> { ["itemId"] = r.ItemId, ["limit"] = "maxDistinctItemsHeld", ["max"] = r.Limit });
            case CommandOutcome.Rejected { Reason: HoldingLimitExceeded r }:
                return Problems.HoldingLimitExceeded.With($"Cannot add {r.Requested} of '{r.ItemId}': {r.Held} held, at most {InventoryRules.MaxHeldPerItem} can be.",
                    new Dictionary<string, object?> { ["itemId"] = r.ItemId, ["requested"] = r.Requested, ["held"] = r.Held });
            case CommandOutcome.VersionMismatch mismatch:
                response.Headers.ETag = HttpEdge.ETag(mismatch.Current);
                return Problems.VersionMismatch.With($"If-Match named version {mismatch.Expected}; the inventory is at version {mismatch.Current}. Nothing was written.",
                    new Dictionary<string, object?> { ["expectedVersion"] = mismatch.Expected, ["currentVersion"] = mismatch.Current });
            case CommandOutcome.IdempotencyKeyReused:
                return Problems.IdempotencyKeyReused.With("Send a new Idempotency-Key for a different request.");
            case CommandOutcome.TooMuchContention contention:
                response.Headers.RetryAfter = "1";
                return Problems.TooMuchContention.With($"Other writers to '{inventoryId}' won {contention.Attempts} times in a row; nothing was written. Retry shortly.");
            default:
                throw new InvalidOperationException($"Unmapped outcome {outcome.GetType().Name}");
        }
    }
}
