using InventoryFunctions.Http.Auth;
using System.Text.Json;
using InventoryFunctions.Http;
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
public sealed class RebuildProjectionsFunction(InventoryViewsRebuilder rebuilder, RebuildJobs jobs, ILogger<RebuildProjectionsFunction> logger)
{
    [Access(AccessPolicy.Operations)]
    [Function(nameof(RebuildProjections))]
    public async Task<IResult> RebuildProjections(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "projections/rebuild")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        string? inventoryId = null;
        if (request.ContentLength is not 0 && (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0))
        {
            var (body, problem) = await RequestReader.ReadJsonBodyAsync(request, cancellationToken);
            if (problem is not null)
                return problem;
            using (body)
            {
                var errors = new Dictionary<string, string[]>();
                var root = body!.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    errors["body"] = ["The body must be a JSON object: {\"inventoryId\":\"…\"}, or {} for every inventory."];
                else
                {
                    CommandParser.RejectUnknownProperties(root, "", ["inventoryId"], errors);
                    if (root.TryGetProperty("inventoryId", out var id))
                    {
                        inventoryId = id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                        if (inventoryId is null)
                            errors["inventoryId"] = ["inventoryId must be a string."];
                        else
                            CommandParser.ValidateInventoryId(inventoryId, errors);
                    }
                }
                if (errors.Count > 0)
                    return Problems.Validation(errors);
            }
        }

        if (inventoryId is not null)
        {
            var (rebuilt, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => rebuilder.RebuildAsync(inventoryId, cancellationToken));
            if (problem is not null)
                return problem;
            var view = rebuilt!.Inventory;
            if (view.Version == 0)
                return ViewResults.NotFound(inventoryId);
            return TypedResults.Ok(new RebuiltViewResponse(inventoryId, view.Version, view.Items, rebuilt.Collected.MostCollected(CollectedView.MaxTop), view.UpdatedAt.UtcDateTime));
        }

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
    [Function("GetRebuildJob")]
    public async Task<IResult> Run(
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
