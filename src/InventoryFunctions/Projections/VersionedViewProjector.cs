using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// Applies a change-feed batch, or an inventory's whole log, to one kind of per-inventory view (<typeparamref name="TView"/>).
/// Per inventory touched: one read of the root with the parts the batch's events need (one point read, or one query
/// when parts are needed) and at most one transactional batch of the root and the changed parts, guarded by the root's
/// etag (plus one range query to fill a gap, and one query for the parts of the events it brings). Versions at or below
/// the view's are skipped, so redelivery writes nothing; a missing, unreadable or old-shaped view is recomputed from
/// the log in a new generation of parts. Applying many events (a rebuild, a long gap) writes in several batches of at
/// most <see cref="MaxPartsPerWrite"/> parts, each one consistent: the root's version says what its parts hold.
/// Undecodable documents are skipped; a version missing while later ones exist throws, so the batch is retried for that
/// inventory while the others are projected, and after <see cref="PermanentFailure.MaxDeliveries"/> deliveries the view
/// is parked: one broken inventory never stalls this projection for the rest.
/// </summary>
public sealed class VersionedViewProjector<TView>(IViewStore<TView> views, IEventLogReader log, TimeProvider time, ILogger<VersionedViewProjector<TView>> logger)
    where TView : class, IVersionedView<TView>
{
    private const int MaxWriteAttempts = 5;

    /// <summary>A transactional batch holds at most 100 operations: the root and up to this many parts.</summary>
    public const int MaxPartsPerWrite = 90;

    /// <summary>Items in the parts of one write: ~700 bytes each at worst keeps a batch with its root under Cosmos DB's 2 MB.</summary>
    public const long MaxItemsPerWrite = 1_500;

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

    /// <summary>
    /// Recomputes the view from the inventory's whole log (<paramref name="whole"/>, read once by the caller for every
    /// view) in a new generation of parts, and replaces the stored one (parked, damaged or wrong).
    /// </summary>
    public async Task<TView> RebuildAsync(string inventoryId, ChangeBatch whole, CancellationToken cancellationToken)
    {
        var sequence = await whole.SequenceAfterAsync(0, log, logger, cancellationToken);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, [], cancellationToken);
            if (sequence.Count == 0 && stored is null)
                return TView.Empty(inventoryId); // no log and no view: nothing to store
            var (view, written) = await ApplyAndWriteAsync(TView.Empty(inventoryId), fromScratch: true, stored?.ETag, sequence, cancellationToken);
            if (written)
                return view;
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{inventoryId}' kept changing during the rebuild; it will be rebuilt again on its next event.");
    }

    private async Task ProjectInventoryAsync(ChangeBatch batch, CancellationToken cancellationToken)
    {
        var needed = Buckets(batch.Versions.Values.OfType<RecordedEvent>());
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(batch.InventoryId, needed, cancellationToken);
            var fromScratch = stored?.View is not { Continuable: true };
            var view = fromScratch ? TView.Empty(batch.InventoryId) : stored!.View!;
            if (stored?.View?.Parked is not null)
                return; // applies nothing until a rebuild releases it
            var sequence = await batch.SequenceAfterAsync(view.Version, log, logger, cancellationToken);
            if (sequence.Count == 0)
                return; // applied before (a redelivery writes nothing), or only undecodable documents past the end of the log
            var (projected, written) = await ApplyAndWriteAsync(view, fromScratch, stored?.ETag, sequence, cancellationToken);
            if (written)
            {
                logger.LogDebug("Projected {View} of {InventoryId} to version {Version}", typeof(TView).Name, batch.InventoryId, projected.Version);
                return;
            }
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{batch.InventoryId}' kept changing under the projector; the batch will be retried.");
    }

    /// <summary>
    /// Applies <paramref name="sequence"/> to <paramref name="view"/> (loading the parts it needs first) and writes it,
    /// in several batches when it changes more parts than one batch holds. False when another writer changed the root
    /// first; what was written before that stays (each batch is a consistent view at its version).
    /// </summary>
    private async Task<(TView View, bool Written)> ApplyAndWriteAsync(TView view, bool fromScratch, string? etag,
        IReadOnlyList<(long Version, RecordedEvent? Event)> sequence, CancellationToken cancellationToken)
    {
        var missing = Buckets(sequence.Select(s => s.Event).OfType<RecordedEvent>()).Where(b => !view.IsLoaded(b)).ToList();
        view = fromScratch ? view.WithEmptyParts(missing) : await views.LoadPartsAsync(view, missing, cancellationToken);
        // Applied: the failed deliveries counted so far are over.
        view = view.WithFailures(0, null);
        var unwritten = true;
        foreach (var (version, recorded) in sequence)
        {
            view = recorded is null ? view.Skip(version) : view.Apply(recorded);
            unwritten = true;
            if (view.ChangedParts < MaxPartsPerWrite && view.ChangedItems < MaxItemsPerWrite)
                continue;
            if ((etag = await views.TryWriteAsync(view, etag, cancellationToken)) is null)
                return (view, false);
            (view, unwritten) = (view.Saved(), false);
        }
        return (view, !unwritten || await views.TryWriteAsync(view, etag, cancellationToken) is not null);
    }

    private static IReadOnlyCollection<int> Buckets(IEnumerable<RecordedEvent> events) => [.. events.SelectMany(TView.PartsFor).Distinct().Order()];

    /// <summary>Changes the stored root (an empty view when there is none) without applying anything, guarded by its etag.</summary>
    private async Task<TView> UpdateStoredViewAsync(string inventoryId, Func<TView, TView> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, [], cancellationToken);
            var updated = change(stored?.View is { Continuable: true } view ? view : TView.Empty(inventoryId));
            if (await views.TryWriteAsync(updated, stored?.ETag, cancellationToken) is not null)
                return updated;
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{inventoryId}' kept changing while recording a failure; the batch will be retried.");
    }
}
