using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// Erases an inventory on request, in the background. <see cref="StartAsync"/> records the job (its id is the keyed
/// hash of the inventory id, so a second request names the same job) and queues it; from then on the id is erased for
/// every creation path (<see cref="IErasureRegistry"/>). <see cref="RunAsync"/> (the queue trigger) runs the steps of
/// <see cref="ErasureStep"/> in order, recording each step done in the job document with its etag, so a crash or a
/// redelivery resumes at the step it stopped in, and every step can run again without changing anything it changed.
/// </summary>
public sealed class ErasureJobs(IErasureJobStore jobs, IInventoryPartitions partitions, GlobalCollectedErasure board, TransferService transfers,
    IErasureQueue queue, IPoisonQueue poison, ErasureOptions options, TimeProvider time, ILogger<ErasureJobs> logger)
{
    /// <summary>A job not moved for this long is queued again by the next request (its message was lost).</summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after the erasure is accepted the board step waits: a counting round that checked the registry just
    /// before has committed (or been sent back) by then, so a missing watermark means nothing was or will be counted.
    /// </summary>
    public static readonly TimeSpan InFlightGrace = TimeSpan.FromSeconds(2);

    private const int MaxVerifyRounds = 5;
    private const int MaxStepAttempts = 5;

    public async Task<ErasureJob> StartAsync(string inventoryId, Actor requestedBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (stored, created) = await jobs.CreateOrReadAsync(ErasureJob.Accepted(options.JobIdFor(inventoryId), inventoryId, requestedBy, options.Path, now), cancellationToken);
        if (stored.Job.State == ErasureStates.Completed)
            return stored.Job;
        // The head is marked before the answer, so from the 202 on every command is refused (the job marks it again,
        // idempotently). Past that step the head is marked or deleted: marking it again would create one.
        if (stored.Job.Step == ErasureStep.MarkHead)
            await partitions.MarkHeadErasingAsync(inventoryId, stored.Job.JobId, cancellationToken);
        if (created || now - stored.Job.UpdatedAt > StalledAfter)
        {
            await queue.SendAsync(stored.Job.JobId, cancellationToken);
            logger.LogInformation("Erasure job {JobId} queued", stored.Job.JobId);
        }
        return stored.Job;
    }

    public Task<StoredErasure?> GetAsync(string jobId, CancellationToken cancellationToken) => jobs.ReadAsync(jobId, cancellationToken);

    /// <summary>Runs the job from the step it is at to the end.</summary>
    public async Task RunAsync(string jobId, CancellationToken cancellationToken)
    {
        var stored = await jobs.ReadAsync(jobId, cancellationToken);
        if (stored is null)
        {
            logger.LogWarning("Erasure job {JobId} does not exist (its receipt expired?); nothing to run", jobId);
            return;
        }
        while (stored.Job.State != ErasureStates.Completed)
        {
            var job = stored.Job;
            var inventoryId = job.InventoryId ?? throw new InvalidOperationException($"Erasure job {jobId} runs without its inventory id.");
            if (job.Step == ErasureStep.Board && job.CreatedAt + InFlightGrace - time.GetUtcNow() is { Ticks: > 0 } wait)
                await Task.Delay(wait, time, cancellationToken);
            var spent = await RunStepWithRetriesAsync(job.Step, inventoryId, jobId, cancellationToken);
            var next = job.After(job.Step, spent, time.GetUtcNow(), TimeSpan.FromDays(options.ErasureReceiptDays));
            var etag = await jobs.TryReplaceAsync(next, stored.ETag, cancellationToken);
            // Another delivery moved the job first: go on from where it is.
            stored = etag is null ? await jobs.ReadAsync(jobId, cancellationToken) ?? throw new InvalidOperationException($"Erasure job {jobId} vanished.") : new StoredErasure(next, etag);
            logger.LogInformation("Erasure job {JobId}: {Step} done, {State}", jobId, job.Step, stored.Job.State);
        }
    }

    /// <summary>
    /// A step that fails (throttling beyond the SDK's retries, a fault, a lost answer) runs again here a few times with a
    /// growing pause before the failure goes back to the queue (whose 5 deliveries then retry it): each run redoes only
    /// what is left, so retrying is always safe.
    /// </summary>
    private async Task<ErasureCounts> RunStepWithRetriesAsync(ErasureStep step, string inventoryId, string jobId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunStepAsync(step, inventoryId, jobId, cancellationToken);
            }
            catch (Exception ex) when (attempt < MaxStepAttempts && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Erasure job {JobId}: {Step} failed (attempt {Attempt} of {Max}); trying again", jobId, step, attempt, MaxStepAttempts);
                await Task.Delay(TimeSpan.FromMilliseconds(200 << attempt), time, cancellationToken);
            }
        }
    }

    private async Task<ErasureCounts> RunStepAsync(ErasureStep step, string inventoryId, string jobId, CancellationToken cancellationToken)
    {
        switch (step)
        {
            case ErasureStep.MarkHead:
                return await partitions.MarkHeadErasingAsync(inventoryId, jobId, cancellationToken);
            case ErasureStep.SettleTransfers:
                // Out of it: the receiver is credited (the units left before the erasure). Into it: the sender is refunded.
                foreach (var transfer in await partitions.DebitedTransfersAsync(inventoryId, cancellationToken))
                    await transfers.DriveAsync(transfer, cancellationToken);
                return ErasureCounts.None;
            case ErasureStep.Board:
                await board.SubtractAsync(inventoryId, cancellationToken);
                return ErasureCounts.None;
            case ErasureStep.DeleteEvents:
                return await partitions.DeleteAllAsync(InventoryContainer.Events, inventoryId, cancellationToken);
            case ErasureStep.DeleteViews:
                return await partitions.DeleteAllAsync(InventoryContainer.Projections, inventoryId, cancellationToken);
            case ErasureStep.Pseudonymise:
                var spent = await partitions.PseudonymiseAsync(inventoryId, ErasureOptions.PseudonymFor(jobId), cancellationToken);
                await PurgePoisonAsync(inventoryId, cancellationToken);
                return spent;
            case ErasureStep.Verify:
                return await VerifyAsync(inventoryId, cancellationToken);
            default:
                throw new InvalidOperationException($"Erasure job {jobId} has no step {step}.");
        }
    }

    /// <summary>
    /// Both partitions read empty, or are emptied again: a writer that checked for an erasure just before it was accepted
    /// (a command, a projector) may have created something since. Everything created after that checks and is refused.
    /// </summary>
    private async Task<ErasureCounts> VerifyAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var spent = ErasureCounts.None;
        for (var round = 1; round <= MaxVerifyRounds; round++)
        {
            var clean = true;
            foreach (var container in new[] { InventoryContainer.Events, InventoryContainer.Projections })
            {
                if (await partitions.IsEmptyAsync(container, inventoryId, cancellationToken))
                    continue;
                clean = false;
                logger.LogWarning("An erased inventory's {Container} partition was written after its deletion; deleting again", container);
                spent = spent.Add(await partitions.DeleteAllAsync(container, inventoryId, cancellationToken));
            }
            if (clean)
                return spent;
        }
        throw new InvalidOperationException($"An erased inventory's partitions kept being written after {MaxVerifyRounds} rounds; the job will be retried.");
    }

    /// <summary>Deletes the poison messages that name the inventory; the others are released at once.</summary>
    private async Task PurgePoisonAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var total = await poison.CountAsync(cancellationToken);
        for (var seen = 0; seen <= total;)
        {
            var received = await poison.ReceiveAsync(IPoisonQueue.MaxBatch, TimeSpan.FromSeconds(30), cancellationToken);
            if (received.Count == 0)
                return;
            seen += received.Count;
            foreach (var message in received)
            {
                if (message.Message?.PartitionKey == inventoryId)
                    await poison.DeleteAsync(message, cancellationToken);
                else
                    await poison.ReleaseAsync(message, cancellationToken);
            }
        }
    }
}
