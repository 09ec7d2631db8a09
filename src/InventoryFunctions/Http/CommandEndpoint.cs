using System.Security.Cryptography;
using System.Text;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Http;

/// <summary>What the three write functions share: headers in, the service called, the outcome mapped to HTTP.</summary>
public static class CommandEndpoint
{
    public const string IdempotentReplayedHeader = "Idempotent-Replayed";

    /// <summary>
    /// Runs <paramref name="command"/> (already parsed; null when <paramref name="errors"/> says why) and answers
    /// with <paramref name="successStatus"/> and the appended events, or the problem.
    /// </summary>
    public static async Task<IResult> ExecuteAsync(HttpRequest request, InventoryService service, string operation, string inventoryId,
        InventoryCommand? command, Dictionary<string, string[]> errors, int successStatus, ILogger logger, CancellationToken cancellationToken)
    {
        CommandParser.ValidateInventoryId(inventoryId, errors);
        var expectedVersion = RequestReader.ReadExpectedVersion(request, errors);
        var key = RequestReader.ReadIdempotencyKey(request, errors);
        if (errors.Count > 0 || command is null)
            return Problems.Validation(errors);

        var idempotency = key is null ? null : new IdempotencyKey(key, Fingerprint(operation, inventoryId, expectedVersion, command), successStatus);
        var outcome = await HttpEdge.GuardAsync(logger, inventoryId,
            async () => await service.HandleAsync(new CommandRequest(inventoryId, command, expectedVersion, idempotency), cancellationToken));
        if (outcome.Problem is not null)
            return outcome.Problem;

        var response = request.HttpContext.Response;
        switch (outcome.Value)
        {
            case CommandOutcome.Appended appended:
                response.Headers.ETag = HttpEdge.ETag(appended.Version);
                if (appended.ReplayedStatusCode is not null)
                    response.Headers[IdempotentReplayedHeader] = "true";
                var body = new AppendResponse(inventoryId, appended.Version, [.. appended.Events.Select(EventResponse.From)]);
                return TypedResults.Json(body, statusCode: appended.ReplayedStatusCode ?? successStatus);
            case CommandOutcome.Rejected { Reason: InsufficientQuantity r }:
                return Problems.Create(StatusCodes.Status409Conflict, "insufficient-quantity", "Not enough of the item is held.",
                    $"Cannot remove {r.Requested} of '{r.ItemId}': {r.Held} held.",
                    new Dictionary<string, object?> { ["itemId"] = r.ItemId, ["requested"] = r.Requested, ["held"] = r.Held });
            case CommandOutcome.Rejected { Reason: HoldingLimitExceeded r }:
                return Problems.Create(StatusCodes.Status409Conflict, "holding-limit-exceeded", "The item's count would overflow.",
                    $"Cannot add {r.Requested} of '{r.ItemId}': {r.Held} held, at most {InventoryRules.MaxHeldPerItem} can be.",
                    new Dictionary<string, object?> { ["itemId"] = r.ItemId, ["requested"] = r.Requested, ["held"] = r.Held });
            case CommandOutcome.VersionMismatch mismatch:
                response.Headers.ETag = HttpEdge.ETag(mismatch.Current);
                return Problems.Create(StatusCodes.Status412PreconditionFailed, "version-mismatch", "The inventory is at another version.",
                    $"If-Match named version {mismatch.Expected}; the inventory is at version {mismatch.Current}. Nothing was written.",
                    new Dictionary<string, object?> { ["expectedVersion"] = mismatch.Expected, ["currentVersion"] = mismatch.Current });
            case CommandOutcome.IdempotencyKeyReused:
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", "The idempotency key was used for another request.",
                    "Send a new Idempotency-Key for a different request.");
            case CommandOutcome.TooMuchContention contention:
                response.Headers.RetryAfter = "1";
                return Problems.Create(StatusCodes.Status503ServiceUnavailable, "too-much-contention", "Too many concurrent writers.",
                    $"Other writers to '{inventoryId}' won {contention.Attempts} times in a row; nothing was written. Retry shortly.");
            default:
                throw new InvalidOperationException($"Unmapped outcome {outcome.Value?.GetType().Name}");
        }
    }

    /// <summary>What makes two requests "the same" for an idempotency key: operation, target, precondition and command.</summary>
    private static string Fingerprint(string operation, string inventoryId, long? expectedVersion, InventoryCommand command)
    {
        var text = new StringBuilder().Append(operation).Append('\n').Append(inventoryId).Append('\n').Append(expectedVersion).Append('\n');
        var events = command switch
        {
            AddItem add => [new ItemAdded(add.ItemId, add.Quantity)],
            RemoveItem remove => [new ItemRemoved(remove.ItemId, remove.Quantity)],
            AppendEvents append => append.Events,
            _ => throw new ArgumentException($"Unknown command {command.GetType().Name}", nameof(command)),
        };
        foreach (var e in events)
            text.Append(e).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
