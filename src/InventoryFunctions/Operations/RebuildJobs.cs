using InventoryFunctions.Application;
using InventoryFunctions.Projections;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Operations;

public enum RebuildJobState
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>
/// A rebuild of every inventory's view, run in the background one page of the inventory list at a time.
/// <see cref="PagesDone"/> is the idempotence guard: a page is counted when it moves from k to k + 1, once, whatever
/// the deliveries of its message; <see cref="NextContinuation"/> is where page <see cref="PagesDone"/> starts.
/// </summary>
public sealed record RebuildJob(
    string JobId,
    RebuildJobState State,
    int PageSize,
    int PagesDone,
    string? NextContinuation,
    int Rebuilt,
    int Failed,
    IReadOnlyList<string> FailedInventories,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    string? Error)
{
    /// <summary>Failed inventories named in the job (the count goes on): keeps the document small.</summary>
    public const int MaxListedFailures = 100;

    public bool IsActive => State is RebuildJobState.Queued or RebuildJobState.Running;

    public static RebuildJob New(string jobId, int pageSize, DateTimeOffset now) =>
        new(jobId, RebuildJobState.Queued, pageSize, 0, null, 0, 0, [], now, null, now, null, null);

    /// <summary>Job ids are 32 lowercase hex digits (a GUID without dashes).</summary>
    public static bool IsValidId(string? jobId) => jobId is { Length: 32 } && jobId.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>One message of the rebuild queue: page <see cref="Page"/> of a job, starting at <see cref="Continuation"/> (null: the first).</summary>
public sealed record RebuildPage(string JobId, int Page, string? Continuation);

public sealed record StoredRebuildJob(RebuildJob Job, string ETag);

/// <summary>The job the latest start made current (null: none yet) and the etag of that pointer, to replace it.</summary>
public sealed record CurrentRebuild(StoredRebuildJob? Job, string? PointerETag);

/// <summary>Where rebuild jobs are recorded: one document per job plus a pointer to the current one.</summary>
public interface IRebuildJobStore
{
    Task<StoredRebuildJob?> ReadAsync(string jobId, CancellationToken cancellationToken);

    Task<CurrentRebuild> ReadCurrentAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates <paramref name="job"/> and makes it current in one atomic write, if the pointer is still
    /// <paramref name="pointerETag"/> (null: there is none); the new job's etag, or null when another start won.
    /// </summary>
    Task<string?> TryStartAsync(RebuildJob job, string? pointerETag, CancellationToken cancellationToken);

    /// <summary>Replaces the job if it is still <paramref name="etag"/>; false when it changed meanwhile.</summary>
    Task<bool> TryReplaceAsync(RebuildJob job, string etag, CancellationToken cancellationToken);
}

/// <summary>The queue the pages of a rebuild travel through; a message is the cursor, so a restart loses nothing.</summary>
public interface IRebuildPageQueue
{
    Task SendAsync(RebuildPage page, CancellationToken cancellationToken);
}

public sealed record RebuildJobOptions(int PageSize)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
}

/// <summary>
/// Rebuild-all as background work. <see cref="StartAsync"/> records a job and sends its first page; each page
/// (<see cref="RunPageAsync"/>) rebuilds up to a page size of inventories (<see cref="ViewRepair.RebuildAsync"/>,
/// etag-guarded), records its progress in the job (etag-guarded, counted once per page) and sends the next page.
/// While a job is active a second start answers it instead of starting another.
/// </summary>
public sealed class RebuildJobs(
    IRebuildJobStore jobs,
    IRebuildPageQueue pages,
    IEventLogReader log,
    ViewRepair rebuilder,
    RebuildJobOptions options,
    TimeProvider time,
    ILogger<RebuildJobs> logger)
{
    /// <summary>An active job with no progress for this long is taken as abandoned: a new start supersedes it.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(15);

    /// <summary>Deliveries of a page before its message goes to the poison queue (host.json extensions.queues.maxDequeueCount).</summary>
    public const int MaxDeliveries = 5;

    private const int MaxAttempts = 5;

    public async Task<StoredRebuildJob?> GetAsync(string jobId, CancellationToken cancellationToken) =>
        await jobs.ReadAsync(jobId, cancellationToken);

    /// <summary>The active job (Started false), or a new one whose first page is on its way (Started true).</summary>
    public async Task<(RebuildJob Job, bool Started)> StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await jobs.ReadCurrentAsync(cancellationToken);
            var now = time.GetUtcNow();
            if (current.Job is { Job.IsActive: true } active)
            {
                if (now - active.Job.UpdatedAt < AbandonedAfter)
                    return (active.Job, false);
                var abandoned = active.Job with { State = RebuildJobState.Failed, UpdatedAt = now, Error = $"No progress for {AbandonedAfter.TotalMinutes:0} minutes; superseded by a new rebuild." };
                if (!await jobs.TryReplaceAsync(abandoned, active.ETag, cancellationToken))
                    continue;
                logger.LogWarning("Rebuild job {JobId} made no progress since {UpdatedAt}; a new job supersedes it", active.Job.JobId, active.Job.UpdatedAt);
            }

            var job = RebuildJob.New(Guid.NewGuid().ToString("N"), options.PageSize, now);
            if (await jobs.TryStartAsync(job, current.PointerETag, cancellationToken) is not { } etag)
                continue; // another start won: answer its job
            try
            {
                await pages.SendAsync(new RebuildPage(job.JobId, 0, null), cancellationToken);
            }
            catch
            {
                // Nothing will run it: say so, so that the next start does not wait for it.
                await jobs.TryReplaceAsync(job with { State = RebuildJobState.Failed, UpdatedAt = time.GetUtcNow(), Error = "Its first page could not be queued." }, etag, CancellationToken.None);
                throw;
            }
            logger.LogInformation("Rebuild job {JobId} started: pages of {PageSize} inventories", job.JobId, job.PageSize);
            return (job, true);
        }
        throw new ContentionException("Rebuild jobs kept being started concurrently; try again.");
    }

    /// <summary>
    /// Runs one page. A page already counted is not counted again: a redelivery (dequeue count above 1) of the latest
    /// counted page sends its successor again, since the delivery that counted it may have died before sending it; a
    /// second copy of a message (dequeue count 1) does nothing, so duplicates do not multiply down the chain.
    /// On its last delivery a page that still fails marks the job failed before it goes to the poison queue.
    /// </summary>
    public async Task RunPageAsync(RebuildPage page, long dequeueCount, CancellationToken cancellationToken)
    {
        try
        {
            await RunPageOnceAsync(page, dequeueCount, cancellationToken);
        }
        catch (Exception ex) when (dequeueCount >= MaxDeliveries && ex is not OperationCanceledException)
        {
            await FailAsync(page.JobId, $"Page {page.Page} failed {dequeueCount} times: {ex.Message}", CancellationToken.None);
            throw;
        }
    }

    private async Task RunPageOnceAsync(RebuildPage page, long dequeueCount, CancellationToken cancellationToken)
    {
        if (await jobs.ReadAsync(page.JobId, cancellationToken) is not { } stored)
        {
            logger.LogWarning("Rebuild page {Page} names job {JobId}, which does not exist; dropped", page.Page, page.JobId);
            return;
        }
        if (!stored.Job.IsActive)
            return; // completed or failed: a late copy
        if (stored.Job.PagesDone > page.Page)
        {
            await ResendSuccessorIfLostAsync(stored.Job, page, dequeueCount, cancellationToken);
            return;
        }
        if (stored.Job.PagesDone < page.Page)
            throw new InvalidOperationException($"Rebuild job {page.JobId}: page {page.Page} arrived before page {stored.Job.PagesDone} was counted.");

        if (stored.Job.State == RebuildJobState.Queued)
        {
            var running = stored.Job with { State = RebuildJobState.Running, StartedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() };
            if (await jobs.TryReplaceAsync(running, stored.ETag, cancellationToken))
                stored = (await jobs.ReadAsync(page.JobId, cancellationToken))!;
        }

        var ids = await log.ListInventoryIdsPageAsync(page.Continuation, stored.Job.PageSize, cancellationToken);
        var result = await rebuilder.RebuildManyAsync(ids.InventoryIds, cancellationToken);

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (stored.Job.PagesDone > page.Page || !stored.Job.IsActive)
                return; // another delivery of this page counted it; that one sends the successor
            var now = time.GetUtcNow();
            var done = ids.Continuation is null;
            var counted = stored.Job with
            {
                State = done ? RebuildJobState.Completed : RebuildJobState.Running,
                PagesDone = page.Page + 1,
                NextContinuation = ids.Continuation,
                Rebuilt = stored.Job.Rebuilt + result.Rebuilt,
                Failed = stored.Job.Failed + result.Failed.Count,
                FailedInventories = [.. stored.Job.FailedInventories.Concat(result.Failed).Take(RebuildJob.MaxListedFailures)],
                StartedAt = stored.Job.StartedAt ?? now,
                UpdatedAt = now,
                CompletedAt = done ? now : null,
            };
            if (await jobs.TryReplaceAsync(counted, stored.ETag, cancellationToken))
            {
                logger.LogInformation("Rebuild job {JobId}: page {Page} rebuilt {Rebuilt} inventories, {Failed} failed{Done}",
                    page.JobId, page.Page, result.Rebuilt, result.Failed.Count, done ? "; the job is complete" : "");
                if (!done)
                    await pages.SendAsync(new RebuildPage(page.JobId, page.Page + 1, ids.Continuation), cancellationToken);
                return;
            }
            stored = await jobs.ReadAsync(page.JobId, cancellationToken) ?? throw new InvalidOperationException($"Rebuild job {page.JobId} disappeared.");
        }
        throw new ContentionException($"Rebuild job {page.JobId} kept changing while page {page.Page} was being counted; the page will be retried.");
    }

    private async Task ResendSuccessorIfLostAsync(RebuildJob job, RebuildPage page, long dequeueCount, CancellationToken cancellationToken)
    {
        if (dequeueCount <= 1 || job.PagesDone != page.Page + 1)
            return;
        logger.LogInformation("Rebuild job {JobId}: page {Page} was counted by an earlier delivery; sending page {Next} again in case it was lost", job.JobId, page.Page, job.PagesDone);
        await pages.SendAsync(new RebuildPage(job.JobId, job.PagesDone, job.NextContinuation), cancellationToken);
    }

    private async Task FailAsync(string jobId, string error, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (await jobs.ReadAsync(jobId, cancellationToken) is not { Job.IsActive: true } stored)
                return;
            var failed = stored.Job with { State = RebuildJobState.Failed, UpdatedAt = time.GetUtcNow(), Error = error };
            if (await jobs.TryReplaceAsync(failed, stored.ETag, cancellationToken))
            {
                logger.LogError("Rebuild job {JobId} failed: {Error}", jobId, error);
                return;
            }
        }
    }
}
