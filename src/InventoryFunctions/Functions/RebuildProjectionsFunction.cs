using InventoryFunctions.Http.Auth;
using System.Text.Json;
using InventoryFunctions.Http;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using InventoryFunctions.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>POST /api/projections/rebuild</c> (admin key): <c>{"inventoryId":"…"}</c> recomputes that inventory's projections
/// (inventory view, dwell time, its global count) from its log and returns the inventory view; an empty body (or
/// <c>{}</c>) starts a rebuild of every inventory in the background and answers 202 with its status URL in
/// <c>Location</c> (the job already running, if there is one).
/// The route is not <c>admin/…</c>: the Functions host reserves routes starting with "admin" for its own API.
/// </summary>
public sealed class RebuildProjectionsFunction(ViewRepair rebuilder, RebuildJobs jobs, ILogger<RebuildProjectionsFunction> logger)
{
    [Access(AccessPolicy.Operations)]
    [Function(nameof(RebuildProjections))]
    public async Task<IResult> RebuildProjections(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "projections/rebuild")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!RequestReader.HasBody(request))
            return await RebuildAllAsync(cancellationToken);
        return await RequestReader.WithJsonBodyAsync(request, async body =>
        {
            var errors = new Dictionary<string, string[]>();
            var inventoryId = ReadTarget(body, errors);
            if (errors.Count > 0)
                return Problems.Validation(errors);
            return inventoryId is null ? await RebuildAllAsync(cancellationToken) : await RebuildOneAsync(inventoryId, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>The inventory the body names, or null for every inventory (<c>{}</c>).</summary>
    private static string? ReadTarget(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["The body must be a JSON object: {\"inventoryId\":\"…\"}, or {} for every inventory."];
            return null;
        }
        CommandParser.RejectUnknownProperties(body, "", ["inventoryId"], errors);
        if (!body.TryGetProperty("inventoryId", out var id))
            return null;
        if (id.ValueKind != JsonValueKind.String)
        {
            errors["inventoryId"] = ["inventoryId must be a string."];
            return null;
        }
        var inventoryId = id.GetString()!;
        CommandParser.ValidateInventoryId(inventoryId, errors);
        return inventoryId;
    }

    private async Task<IResult> RebuildOneAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var (rebuilt, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => rebuilder.RebuildAsync(inventoryId, cancellationToken));
        if (problem is not null)
            return problem;
        var view = rebuilt!.Inventory;
        if (view.Version == 0)
            return ViewResults.NotFound(inventoryId);
        return TypedResults.Ok(new RebuiltViewResponse(inventoryId, view.Version, view.Items, rebuilt.Collected.MostCollected(CollectedView.MaxTop), view.UpdatedAt.UtcDateTime));
    }

    private async Task<IResult> RebuildAllAsync(CancellationToken cancellationToken)
    {
        var (started, failure) = await StorageUnavailable.GuardAsync(logger,
            () => HttpEdge.GuardAsync(logger, "*", () => jobs.StartAsync(cancellationToken)), "The rebuild queue");
        if (failure is not null)
            return failure;
        var job = started.Job!;
        return TypedResults.Accepted(RebuildJobResponse.StatusPath(job.JobId), RebuildJobResponse.From(job));
    }
}

/// <summary><c>GET /api/projections/rebuild/{jobId}</c> (admin key): a rebuild-all job's state and progress.</summary>
public sealed class GetRebuildJobFunction(RebuildJobs jobs, ILogger<GetRebuildJobFunction> logger)
{
    [Access(AccessPolicy.Operations)]
    [Function(nameof(GetRebuildJob))]
    public async Task<IResult> GetRebuildJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "projections/rebuild/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken)
    {
        if (!RebuildJob.IsValidId(jobId))
            return Problems.Validation(new Dictionary<string, string[]> { ["jobId"] = ["A job id is 32 lowercase hexadecimal digits, as the Location of POST /api/projections/rebuild gives it."] });
        var (stored, problem) = await HttpEdge.GuardAsync(logger, "*", () => jobs.GetAsync(jobId, cancellationToken));
        if (problem is not null)
            return problem;
        return stored is null
            ? Problems.RebuildJobNotFound.With($"There is no rebuild job '{jobId}'.")
            : TypedResults.Ok(RebuildJobResponse.From(stored.Job));
    }
}

/// <summary>
/// One page of a rebuild-all job, from the <c>projection-rebuilds</c> queue: rebuilds it, counts it in the job, sends
/// the next page. A failure leaves the message to the queue's retries (5 deliveries, then the poison queue
/// <c>projection-rebuilds-poison</c>, and the job is marked failed).
/// </summary>
public sealed class RebuildProjectionsPageFunction(RebuildJobs jobs)
{
    [Function(nameof(RebuildProjectionsPage))]
    public async Task RebuildProjectionsPage(
        [QueueTrigger("%" + AppSettings.RebuildQueueName + "%", Connection = AppSettings.PoisonQueueConnection)] string message,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var page = StorageRebuildQueue.Parse(message)
            ?? throw new InvalidDataException($"Not a rebuild page: {message[..Math.Min(200, message.Length)]}");
        var dequeueCount = context.BindingContext.BindingData.TryGetValue("DequeueCount", out var count)
            && long.TryParse(count?.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
        await jobs.RunPageAsync(page, dequeueCount, cancellationToken);
    }
}
