using InventoryFunctions.Application;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// Applies a change-feed batch to one kind of per-inventory view (<typeparamref name="TView"/>). Per inventory touched:
/// one point read and at most one etag-guarded write (plus one range query only to fill a gap). Versions at or below
/// the view's are skipped, so redelivery writes nothing; a missing or unreadable view is rebuilt from the log.
/// Undecodable documents are skipped and recorded (the inventory projector reports them to the poison queue); a
/// version missing while later ones exist throws, so the batch is retried.
/// </summary>
public sealed class VersionedViewProjector<TView>(IViewStore<TView> views, IEventLogReader log, ILogger<VersionedViewProjector<TView>> logger)
    where TView : class, IVersionedView<TView>
{
    private const int MaxWriteAttempts = 5;

    public async Task ProjectAsync(IReadOnlyList<ChangedDocument> documents, CancellationToken cancellationToken)
    {
        foreach (var batch in ChangeBatch.Group(documents))
            await ProjectInventoryAsync(batch, cancellationToken);
    }

    private async Task ProjectInventoryAsync(ChangeBatch batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(batch.InventoryId, cancellationToken);
            var view = stored?.View ?? TView.Empty(batch.InventoryId);
            var before = view.Version;
            foreach (var (version, recorded) in await batch.SequenceAfterAsync(view.Version, log, logger, cancellationToken))
                view = recorded is null ? view.Skip(version) : view.Apply(recorded);
            if (view.Version == before)
                return; // applied before (a redelivery writes nothing), or only undecodable documents past the end of the log
            if (await views.TryWriteAsync(view, stored?.ETag, cancellationToken))
            {
                logger.LogDebug("Projected {View} of {InventoryId} to version {Version}", typeof(TView).Name, batch.InventoryId, view.Version);
                return;
            }
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{batch.InventoryId}' kept changing under the projector; the batch will be retried.");
    }
}
