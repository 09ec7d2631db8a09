using InventoryFunctions.Application;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// Applies a change-feed batch to one kind of per-inventory view (<typeparamref name="TView"/>). Per inventory touched:
/// one point read and at most one etag-guarded write (plus one range query only to fill a gap). Versions at or below
/// the view's are skipped, so redelivery writes nothing; a missing or unreadable view is rebuilt from the log.
/// Undecodable documents are skipped and recorded (the inventory projector reports them to the poison queue); a
/// version missing while later ones exist throws, so the batch is retried for that inventory while the others are
/// projected, and after <see cref="PermanentFailure.MaxDeliveries"/> deliveries the view is parked, as the inventory
/// view is: one broken inventory never stalls this projection for the rest.
/// </summary>
public sealed class VersionedViewProjector<TView>(IViewStore<TView> views, IEventLogReader log, TimeProvider time, ILogger<VersionedViewProjector<TView>> logger)
    where TView : class, IVersionedView<TView>
{
    private const int MaxWriteAttempts = 5;

    public async Task ProjectAsync(IReadOnlyList<ChangedDocument> documents, CancellationToken cancellationToken)
    {
        Exception? retry = null;
        foreach (var batch in ChangeBatch.Group(documents))
        {
            try
            {
                await ProjectInventoryAsync(batch, cancellationToken);
            }
            catch (Exception ex) when (PermanentFailure.Is(ex))
            {
                var failed = await UpdateStoredViewAsync(batch.InventoryId, view => view.WithFailures(view.FailedDeliveries + 1, null), cancellationToken);
                if (failed.FailedDeliveries < PermanentFailure.MaxDeliveries)
                {
                    logger.LogWarning(ex, "Projecting the {View} of {InventoryId} failed ({Failures} of {Max} deliveries before it is parked); the batch will be retried",
                        typeof(TView).Name, batch.InventoryId, failed.FailedDeliveries, PermanentFailure.MaxDeliveries);
                    retry ??= ex;
                    continue;
                }
                var parked = await UpdateStoredViewAsync(batch.InventoryId, view => view.WithFailures(0, new Parking(time.GetUtcNow(), ex.Message)), cancellationToken);
                logger.LogError("Parked the {View} of {InventoryId} at version {Version}: {Reason}. Rebuild it once the cause is repaired",
                    typeof(TView).Name, batch.InventoryId, parked.Version, ex.Message);
            }
        }
        if (retry is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(retry);
    }

    /// <summary>Recomputes the view from the inventory's whole log and replaces the stored one (parked, damaged or wrong).</summary>
    public async Task<TView> RebuildAsync(string inventoryId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, cancellationToken);
            var view = Apply(TView.Empty(inventoryId), await (await ChangeBatch.FromLogAsync(inventoryId, log, cancellationToken))
                .SequenceAfterAsync(0, log, logger, cancellationToken));
            if (view.Version == 0 && stored is null)
                return view; // no log and no view: nothing to store
            if (await views.TryWriteAsync(view, stored?.ETag, cancellationToken))
                return view;
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{inventoryId}' kept changing during the rebuild; nothing was written.");
    }

    private async Task ProjectInventoryAsync(ChangeBatch batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(batch.InventoryId, cancellationToken);
            var view = stored?.View ?? TView.Empty(batch.InventoryId);
            if (view.Parked is not null)
                return; // applies nothing until a rebuild releases it
            var before = view.Version;
            view = Apply(view, await batch.SequenceAfterAsync(view.Version, log, logger, cancellationToken));
            if (view.Version == before)
                return; // applied before (a redelivery writes nothing), or only undecodable documents past the end of the log
            if (await views.TryWriteAsync(view.WithFailures(0, null), stored?.ETag, cancellationToken))
            {
                logger.LogDebug("Projected {View} of {InventoryId} to version {Version}", typeof(TView).Name, batch.InventoryId, view.Version);
                return;
            }
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{batch.InventoryId}' kept changing under the projector; the batch will be retried.");
    }

    private static TView Apply(TView view, IReadOnlyList<(long Version, Domain.RecordedEvent? Event)> sequence)
    {
        foreach (var (version, recorded) in sequence)
            view = recorded is null ? view.Skip(version) : view.Apply(recorded);
        return view;
    }

    /// <summary>Changes the stored view (an empty one when there is none) without applying anything, guarded by its etag.</summary>
    private async Task<TView> UpdateStoredViewAsync(string inventoryId, Func<TView, TView> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, cancellationToken);
            var updated = change(stored?.View ?? TView.Empty(inventoryId));
            if (await views.TryWriteAsync(updated, stored?.ETag, cancellationToken))
                return updated;
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{inventoryId}' kept changing while recording a failure; the batch will be retried.");
    }
}
