using InventoryFunctions.Application;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// Applies a change-feed batch to the inventory views. The feed is at least once and ordered only per partition
/// key, so per inventory the projector applies only versions above the view's, in order, fills gaps from the log,
/// and writes nothing when nothing changed. Per inventory touched: one point read and at most one conditional
/// write (plus one range query to fill a gap). Undecodable documents go to the poison queue and are skipped;
/// anything transient throws, so the invocation fails and the batch is retried.
/// A permanent failure of one inventory (a hole in its log, a view the store refuses) does not hold up the others:
/// they are projected, the batch is retried for it, and after <see cref="MaxPermanentFailures"/> deliveries in a row
/// the inventory is parked (its view records when and why, the poison queue and the log hear of it) and the batch
/// completes. The count of failed deliveries is kept on the stored view, so a restart or another instance taking the
/// lease goes on counting. A parked view applies nothing more until a rebuild repairs it.
/// Which versions to apply after the view's follows the one rule of <see cref="ChangeBatch"/>, as for every view.
/// </summary>
public sealed class InventoryProjector(IProjectionStore views, IEventLogReader log, IPoisonQueue poison, TimeProvider time, ILogger<InventoryProjector> logger)
{
    /// <summary>Another projector instance writing the same view can win a race; then read and apply again.</summary>
    private const int MaxWriteAttempts = 5;

    /// <summary>Deliveries of a batch in a row in which one inventory failed for good before it is parked.</summary>
    public const int MaxPermanentFailures = PermanentFailure.MaxDeliveries;

    public async Task ProjectAsync(IReadOnlyList<ChangedDocument> documents, CancellationToken cancellationToken)
    {
        foreach (var document in documents.Where(ChangeBatch.IsUnplaceable))
            await ReportAsync((DecodeResult.Malformed)document.Result, document.InventoryId, document.Version, cancellationToken);

        Exception? retry = null;
        foreach (var batch in ChangeBatch.Group(documents))
        {
            try
            {
                await ProjectInventoryAsync(batch, cancellationToken);
            }
            catch (Exception ex) when (PermanentFailure.Is(ex))
            {
                var failed = await UpdateStoredViewAsync(batch.InventoryId, view => view with { FailedDeliveries = view.FailedDeliveries + 1 }, cancellationToken);
                if (failed.FailedDeliveries < MaxPermanentFailures)
                {
                    logger.LogWarning(ex, "Projecting {InventoryId} failed ({Failures} of {Max} deliveries before it is parked); the batch will be retried",
                        batch.InventoryId, failed.FailedDeliveries, MaxPermanentFailures);
                    retry ??= ex;
                    continue;
                }
                await ParkAsync(batch.InventoryId, ex.Message, cancellationToken);
            }
        }

        // Every other inventory of the batch is projected; a redelivery changes nothing for them.
        if (retry is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(retry);
    }

    private async Task ParkAsync(string inventoryId, string reason, CancellationToken cancellationToken)
    {
        var parked = await UpdateStoredViewAsync(inventoryId, view => view with { Parked = new Parking(time.GetUtcNow(), reason), FailedDeliveries = 0 }, cancellationToken);
        logger.LogError("Parked the view of {InventoryId} at version {Version}: {Reason}. Rebuild it once the cause is repaired",
            inventoryId, parked.Version, reason);
        await poison.SendAsync(new PoisonMessage(null, inventoryId, parked.Version + 1, "parked: " + reason, time.GetUtcNow()), cancellationToken);
    }

    /// <summary>Changes the stored view (an empty one when there is none) without applying anything, guarded by its etag.</summary>
    private async Task<InventoryView> UpdateStoredViewAsync(string inventoryId, Func<InventoryView, InventoryView> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, cancellationToken);
            var updated = change(stored?.View ?? InventoryView.Empty(inventoryId));
            if (await views.TryWriteAsync(updated, stored?.ETag, cancellationToken))
                return updated;
        }
        throw new ContentionException($"The view of '{inventoryId}' kept changing while recording a failure; the batch will be retried.");
    }

    /// <summary>
    /// Recomputes an inventory's view from its whole log and replaces the stored one (missing, corrupted or wrong).
    /// The write is guarded by the etag of the view read just before it (a concurrent projector write means: again).
    /// </summary>
    /// <param name="reportUndecodable">False when replaying the poison queue: what is still undecodable is already in it.</param>
    /// <param name="whole">The inventory's whole log, read once by the caller for every view.</param>
    public async Task<InventoryView> RebuildAsync(string inventoryId, ChangeBatch whole, CancellationToken cancellationToken, bool reportUndecodable = true)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, cancellationToken);
            var view = await ApplyAsync(InventoryView.Empty(inventoryId), whole, reportUndecodable, cancellationToken);
            if (view.Version == 0 && stored is null)
                return view; // no log and no view: storing an empty one would make GET answer 200 for an inventory that does not exist
            if (await views.TryWriteAsync(view, stored?.ETag, cancellationToken))
            {
                logger.LogInformation("Rebuilt the view of {InventoryId} at version {Version}", inventoryId, view.Version);
                return view;
            }
        }
        throw new ContentionException($"The view of '{inventoryId}' kept changing during the rebuild; nothing was written.");
    }

    private async Task ProjectInventoryAsync(ChangeBatch batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(batch.InventoryId, cancellationToken);
            // A missing or unreadable view starts from scratch: the gap below the batch is read from the log.
            var view = stored?.View ?? InventoryView.Empty(batch.InventoryId);
            if (view.Parked is not null)
            {
                logger.LogDebug("The view of {InventoryId} is parked; not applying versions up to {Version}", batch.InventoryId, batch.LastVersion);
                return;
            }
            if (batch.LastVersion <= view.Version)
                return; // all of it applied before: a redelivery writes nothing

            var before = view.Version;
            view = await ApplyAsync(view, batch, report: true, cancellationToken);
            if (view.Version == before)
                return; // only undecodable documents past the end of the log: reported, nothing to write

            // Applied: the failed deliveries counted so far are over.
            if (await views.TryWriteAsync(view with { FailedDeliveries = 0 }, stored?.ETag, cancellationToken))
            {
                logger.LogInformation("Projected {InventoryId} to version {Version}", batch.InventoryId, view.Version);
                return;
            }
            logger.LogDebug("View of {InventoryId} changed while projecting (attempt {Attempt}); reading it again", batch.InventoryId, attempt);
        }
        throw new ContentionException($"The view of '{batch.InventoryId}' kept changing under the projector; the batch will be retried.");
    }

    /// <summary>
    /// Applies the batch's versions after the view's, in order; undecodable ones are reported and skipped, and so are
    /// undecodable documents claiming versions past the end of the log (reported, not waited for).
    /// </summary>
    private async Task<InventoryView> ApplyAsync(InventoryView view, ChangeBatch batch, bool report, CancellationToken cancellationToken)
    {
        foreach (var (version, recorded) in await batch.SequenceAfterAsync(view.Version, log, logger, cancellationToken))
        {
            if (recorded is not null)
            {
                view = view.Apply(recorded);
                continue;
            }
            if (report)
                await ReportAsync(batch.Malformed[version], batch.InventoryId, version, cancellationToken);
            view = view.Skip(version, time.GetUtcNow());
        }
        if (report)
        {
            foreach (var (claimed, junk) in batch.Malformed.Where(m => m.Key > view.Version).OrderBy(m => m.Key))
                await ReportAsync(junk, batch.InventoryId, claimed, cancellationToken);
        }
        return view;
    }

    private async Task ReportAsync(DecodeResult.Malformed malformed, string? inventoryId, long? version, CancellationToken cancellationToken)
    {
        logger.LogError("Undecodable event document {DocumentId} (inventory {InventoryId}, version {Version}) sent to the poison queue: {Reason}",
            malformed.Id, inventoryId, version, malformed.Reason);
        await poison.SendAsync(new PoisonMessage(malformed.Id, inventoryId, version, malformed.Reason, time.GetUtcNow()), cancellationToken);
    }
}
