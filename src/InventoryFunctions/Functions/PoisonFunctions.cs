using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Azure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/projections/poison?limit=N</c> (1–32, default 32): the poison queue's first messages, peeked (left in
/// place, nothing dequeued), with the approximate total.
/// </summary>
public sealed class GetPoisonFunction(IPoisonQueue poison, ILogger<GetPoisonFunction> logger)
{
    [Access(AccessPolicy.Operations)]
    [Function(nameof(GetPoison))]
    public async Task<IResult> GetPoison(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "projections/poison")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var limit = PoisonRequests.ReadLimit(request, errors);
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (answer, problem) = await StorageUnavailable.GuardAsync(logger, async () =>
            ((await poison.PeekAsync(limit, cancellationToken), await poison.CountAsync(cancellationToken)), (IResult?)null));
        if (problem is not null)
            return problem;
        var (messages, count) = answer;
        return TypedResults.Ok(new PoisonListResponse(count, [.. messages.Select(PoisonMessageResponse.From)]));
    }
}

/// <summary>
/// <c>POST /api/projections/poison/replay?limit=N</c> (1–32, default 32; no body): re-applies what can now be applied
/// (the document was repaired, or the view no longer skips it) and deletes those messages; the rest stay, with why.
/// Idempotent: repeating it replays nothing twice.
/// </summary>
public sealed class ReplayPoisonFunction(PoisonReplay replay, ILogger<ReplayPoisonFunction> logger)
{
    [Access(AccessPolicy.Operations)]
    [Function(nameof(ReplayPoison))]
    public async Task<IResult> ReplayPoison(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "projections/poison/replay")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var limit = PoisonRequests.ReadLimit(request, errors);
        if (RequestReader.HasBody(request))
            errors["body"] = ["replay takes no body; use ?limit= to bound it."];
        if (errors.Count > 0)
            return Problems.Validation(errors);

        var (results, problem) = await StorageUnavailable.GuardAsync(logger, () => HttpEdge.GuardAsync(logger, "(poison replay)", () => replay.ReplayAsync(limit, cancellationToken)));
        if (problem is not null)
            return problem;
        return TypedResults.Ok(PoisonReplayResponse.From(results!));
    }
}

/// <summary>What the poison list and the poison replay read alike.</summary>
internal static class PoisonRequests
{
    /// <summary><c>?limit=</c> of a poison list or replay: 1 to a Storage queue peek's maximum (32, the default).</summary>
    public static int ReadLimit(HttpRequest request, IDictionary<string, string[]> errors) =>
        (int)RequestReader.ReadInteger(request, "limit", IPoisonQueue.MaxBatch, 1, IPoisonQueue.MaxBatch, errors);
}

/// <summary>
/// Storage (the poison or rebuild queue) not answering → 503 with Retry-After, as Cosmos DB faults are answered: a
/// refusal (<see cref="RequestFailedException"/>), or the SDK's retries given up on a store that did not answer at all
/// (an <see cref="AggregateException"/> of those or of connection failures).
/// </summary>
internal static class StorageUnavailable
{
    public static async Task<(T? Value, IResult? Problem)> GuardAsync<T>(ILogger logger, Func<Task<(T? Value, IResult? Problem)>> action, string queue = "The poison queue")
    {
        try
        {
            return await action();
        }
        catch (RequestFailedException ex)
        {
            logger.LogWarning(ex, "{Queue} answered {Status}", queue, ex.Status);
            return (default, HttpEdge.WithRetryAfter(5, Problems.ServiceUnavailable.With($"{queue} did not answer ({ex.Status}): {ex.Message}")));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is RequestFailedException or HttpRequestException))
        {
            logger.LogWarning(ex, "{Queue} is not reachable", queue);
            return (default, HttpEdge.WithRetryAfter(5, Problems.ServiceUnavailable.With($"{queue} is not reachable: {ex.InnerExceptions[^1].Message}")));
        }
    }
}
