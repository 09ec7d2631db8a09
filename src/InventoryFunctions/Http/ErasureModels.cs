using InventoryFunctions.Application;

namespace InventoryFunctions.Http;

/// <summary>
/// An erasure job as the API answers it: its receipt. It never names the inventory (the job id is a keyed hash of it);
/// <c>requestedBy</c> is the admin who asked.
/// </summary>
public sealed record ErasureJobResponse(string JobId, string Status, string State, string Step, string Path, ActorResponse RequestedBy,
    long DocumentsDeleted, long Requests, double RequestCharge, DateTime CreatedAt, DateTime? StartedAt, DateTime UpdatedAt, DateTime? CompletedAt, DateTime? ExpiresAt)
{
    /// <summary>The job's status route (relative to the host, with the default route prefix).</summary>
    public static string StatusPath(string jobId) => $"/api/erasures/{jobId}";

    public static ErasureJobResponse From(ErasureJob job) => new(job.JobId, StatusPath(job.JobId), job.State, StepName(job.Step), job.Path,
        ActorResponse.From(job.RequestedBy), job.Counts.DocumentsDeleted, job.Counts.Requests, Math.Round(job.Counts.RequestCharge, 2),
        job.CreatedAt.UtcDateTime, job.StartedAt?.UtcDateTime, job.UpdatedAt.UtcDateTime, job.CompletedAt?.UtcDateTime, job.ExpiresAt?.UtcDateTime);

    /// <summary>The step as the API names it: kebab-case (<c>mark-head</c>, …, <c>done</c>).</summary>
    public static string StepName(ErasureStep step) =>
        string.Concat(step.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
