using InventoryFunctions.Domain;
using InventoryFunctions.Http;
using InventoryFunctions.Http.Auth;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>DELETE /api/inventories/{inventoryId}</c> (admins): erases the inventory in the background. 202 with
/// <c>Location: /api/erasures/{jobId}</c> and the job; the same answer (the same job) while it runs and after, as long
/// as its receipt is kept. From the moment it answers, every command to the id answers 410 <c>inventory-erased</c>.
/// </summary>
public sealed class EraseInventoryFunction(ErasureJobs erasures, ILogger<EraseInventoryFunction> logger)
{
    [Access(AccessPolicy.Operations)]
    [Function(nameof(EraseInventory))]
    public async Task<IResult> EraseInventory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "inventories/{inventoryId}")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        CommandParser.ValidateInventoryId(inventoryId, errors);
        if (errors.Count > 0)
            return Problems.Validation(errors);
        var actor = Principal.Of(request.HttpContext)?.Actor ?? new Actor(ActorKind.Admin, "unknown");
        var (job, problem) = await StorageUnavailable.GuardAsync(logger,
            () => HttpEdge.GuardAsync(logger, inventoryId, () => erasures.StartAsync(inventoryId, actor, cancellationToken)), "The erasure queue");
        if (problem is not null)
            return problem;
        return TypedResults.Accepted(ErasureJobResponse.StatusPath(job!.JobId), ErasureJobResponse.From(job));
    }
}

/// <summary><c>GET /api/erasures/{jobId}</c> (admins): an erasure job's state and what it spent.</summary>
public sealed class GetErasureJobFunction(ErasureJobs erasures, ILogger<GetErasureJobFunction> logger)
{
    [Access(AccessPolicy.Operations)]
    [Function("GetErasureJob")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "erasures/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken)
    {
        if (!Application.ErasureJob.IsValidId(jobId))
            return Problems.Validation(new Dictionary<string, string[]> { ["jobId"] = ["A job id is 32 lowercase hexadecimal digits, as the Location of DELETE /api/inventories/{inventoryId} gives it."] });
        var (stored, problem) = await HttpEdge.GuardAsync(logger, "*", () => erasures.GetAsync(jobId, cancellationToken));
        if (problem is not null)
            return problem;
        return stored is null
            ? Problems.ErasureJobNotFound.With($"There is no erasure job '{jobId}' (or its receipt expired).")
            : TypedResults.Ok(ErasureJobResponse.From(stored.Job));
    }
}

/// <summary>
/// Runs an erasure job from the <c>inventory-erasures</c> queue (the message is the job id). A failure leaves the
/// message to the queue's retries; every step resumes where the job document says it stopped.
/// </summary>
public sealed class RunErasureFunction(ErasureJobs erasures)
{
    [Function(nameof(RunErasure))]
    public Task RunErasure(
        [QueueTrigger("%" + AppSettings.ErasureQueueName + "%", Connection = AppSettings.PoisonQueueConnection)] string message,
        CancellationToken cancellationToken) =>
        erasures.RunAsync(Application.ErasureJob.IsValidId(message.Trim()) ? message.Trim() : throw new InvalidDataException("Not an erasure job id."), cancellationToken);
}
