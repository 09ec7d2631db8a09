using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// The one projection step of every per-inventory view, for every source: a change-feed batch
/// (<see cref="ProjectAsync"/>) and an inventory's whole log (<see cref="RebuildAsync"/>, what rebuilds and the poison
/// replay run). It serves several views of one inventory together (<paramref name="kinds"/>, all in the inventory's
/// partition): per inventory touched, one read of their roots with the parts the batch's events need (one point read
/// for a single root without parts, else one single-partition query) and at most one transactional batch of the roots
/// and changed parts, guarded by the roots' etags (plus one range query to fill a gap, and one query for the parts of
/// the events it brings). Each view applies only the versions above its own, in order, so a redelivery writes nothing;
/// a missing, unreadable or old-shaped view is recomputed from the log (in a new generation of parts). Applying many
/// events (a rebuild, a long gap) writes each view in batches of its own whenever its changed parts reach
/// <see cref="MaxPartsPerWrite"/>, each one consistent: a root's version says what its parts hold.
/// </summary>
/// <remarks>
/// Failures: anything transient throws, so the invocation fails and the batch is retried (every view is idempotent by
/// version, so what was written stays right). A permanent failure (<see cref="PermanentFailure"/>: a hole in the log,
/// a view the store refuses) is counted on each view it hit and parks that view after
/// <see cref="PermanentFailure.MaxDeliveries"/> deliveries; the other inventories of the batch are projected. Views
/// fail on their own: a view the store refuses is written alone, so the others of its inventory go on, and a parked
/// view applies nothing until a rebuild releases it while the others apply. Undecodable documents are skipped; with a
/// <paramref name="poison"/> queue (one step per feed reports them, so each is reported once) they are sent there,
/// and so is each parking.
/// </remarks>
public sealed class VersionedViewProjector(IReadOnlyList<ViewKind> kinds, IViewStore store, IEventLogReader log, IPoisonQueue? poison, TimeProvider time,
    ILogger<VersionedViewProjector> logger)
{
    private const int MaxWriteAttempts = 5;

    /// <summary>A transactional batch holds at most 100 operations: the roots and up to this many parts (one event adds at most one per view).</summary>
    public const int MaxPartsPerWrite = 90;

    /// <summary>Items in the parts of one write: ~700 bytes each at worst keeps a batch with its roots under Cosmos DB's 2 MB.</summary>
    public const long MaxItemsPerWrite = 1_500;

    public IReadOnlyList<ViewKind> Kinds => kinds;

    public async Task ProjectAsync(IReadOnlyList<ChangedDocument> documents, CancellationToken cancellationToken)
    {
        if (poison is not null)
        {
            foreach (var document in documents.Where(ChangeBatch.IsUnplaceable))
                await ReportAsync((DecodeResult.Malformed)document.Result, document.InventoryId, document.Version, cancellationToken);
        }

        Exception? retry = null;
        foreach (var batch in ChangeBatch.Group(documents))
        {
            var failed = await ProjectInventoryAsync(batch, cancellationToken);
            if (failed.Count > 0)
                retry ??= await RecordFailuresAsync(batch.InventoryId, failed, cancellationToken);
        }

        // Every other inventory of the batch is projected; a redelivery changes nothing for them.
        if (retry is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(retry);
    }

    /// <summary>
    /// Recomputes the views from the inventory's whole log (<paramref name="whole"/>, read once by the caller for every
    /// view) in a new generation of parts, and replaces the stored ones (parked, damaged or wrong), guarded by the
    /// etags read just before (a concurrent projector write means: again).
    /// </summary>
    /// <param name="reportUndecodable">False when replaying the poison queue: what is still undecodable is already in it.</param>
    /// <returns>The views rebuilt, in the order of <see cref="Kinds"/> (version 0 when the inventory has no log).</returns>
    public async Task<IReadOnlyList<IVersionedView>> RebuildAsync(string inventoryId, ChangeBatch whole, CancellationToken cancellationToken,
        bool reportUndecodable = true)
    {
        var sequence = await whole.SequenceAfterAsync(0, log, logger, cancellationToken);
        if (reportUndecodable)
            await ReportUndecodableAsync(whole, sequence, 0, cancellationToken);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await store.ReadAsync(inventoryId, [.. kinds.Select(k => new ViewRead(k.ViewType, []))], cancellationToken);
            var slots = kinds.Select((kind, i) => new Slot(kind, kind.Empty(inventoryId), FromScratch: true, stored[i]?.ETag) { Changed = stored[i] is not null }).ToList();
            if (sequence.Count == 0 && stored.All(s => s is null))
                return [.. slots.Select(s => s.View)]; // no log and no view: storing an empty one would make GET answer 200 for an inventory that does not exist
            if (await ApplyAndWriteAsync(inventoryId, slots, sequence, cancellationToken) is not { } rejected)
                continue;
            if (rejected.Count > 0)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(rejected[0].Failure);
            logger.LogInformation("Rebuilt the views of {InventoryId} at version {Version}", inventoryId, sequence.Count == 0 ? 0 : sequence[^1].Version);
            return [.. slots.Select(s => s.View)];
        }
        throw new ContentionException($"The views of '{inventoryId}' kept changing during the rebuild; they will be rebuilt again on their next event.");
    }

    /// <returns>The views that failed for good in this delivery, with why.</returns>
    private async Task<IReadOnlyList<(ViewKind Kind, Exception Failure)>> ProjectInventoryAsync(ChangeBatch batch, CancellationToken cancellationToken)
    {
        var events = batch.Versions.Values.OfType<RecordedEvent>().ToList();
        List<ViewRead> reads = [.. kinds.Select(kind => new ViewRead(kind.ViewType, Buckets(kind, events)))];
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await store.ReadAsync(batch.InventoryId, reads, cancellationToken);
            var slots = new List<Slot>(kinds.Count);
            for (var i = 0; i < kinds.Count; i++)
            {
                if (stored[i]?.View?.Parked is not null)
                    continue; // applies nothing until a rebuild releases it
                // A missing, unreadable or old-shaped view starts from scratch: the gap below the batch is read from the log.
                var fromScratch = stored[i]?.View is not { Continuable: true };
                slots.Add(new Slot(kinds[i], fromScratch ? kinds[i].Empty(batch.InventoryId) : stored[i]!.View!, fromScratch, stored[i]?.ETag));
            }
            if (slots.Count == 0)
                return [];

            var applied = slots.Min(s => s.View.Version);
            IReadOnlyList<(long Version, RecordedEvent? Event)> sequence;
            try
            {
                sequence = await batch.SequenceAfterAsync(applied, log, logger, cancellationToken);
            }
            catch (CorruptEventException ex)
            {
                return [.. slots.Select(s => (s.Kind, (Exception)ex))];
            }
            await ReportUndecodableAsync(batch, sequence, applied, cancellationToken);
            if (sequence.Count == 0)
                return []; // applied before (a redelivery writes nothing), or only undecodable documents past the end of the log

            if (await ApplyAndWriteAsync(batch.InventoryId, slots, sequence, cancellationToken) is { } rejected)
            {
                logger.LogDebug("Projected the views of {InventoryId} to version {Version}", batch.InventoryId, batch.LastVersion);
                return rejected;
            }
            logger.LogDebug("Views of {InventoryId} changed while projecting (attempt {Attempt}); reading them again", batch.InventoryId, attempt);
        }
        throw new ContentionException($"The views of '{batch.InventoryId}' kept changing under the projector; the batch will be retried.");
    }

    /// <summary>
    /// Applies <paramref name="sequence"/> to each view above its version (loading the parts it needs first, one query
    /// for all) and writes the changed ones together, in several batches when they change more parts than one batch holds.
    /// </summary>
    /// <returns>Null when another writer changed a root first (what was written before that stays: each batch is
    /// consistent at its versions); else the views the store refused, which were not written.</returns>
    private async Task<IReadOnlyList<(ViewKind Kind, Exception Failure)>?> ApplyAndWriteAsync(string inventoryId, List<Slot> slots,
        IReadOnlyList<(long Version, RecordedEvent? Event)> sequence, CancellationToken cancellationToken)
    {
        var toLoad = new List<(Slot Slot, IReadOnlyCollection<int> Buckets)>();
        foreach (var slot in slots)
        {
            List<int> missing = [.. Buckets(slot.Kind, sequence.Where(s => s.Version > slot.View.Version).Select(s => s.Event).OfType<RecordedEvent>()).Where(b => !slot.View.IsLoaded(b))];
            if (slot.FromScratch)
                slot.View = slot.Kind.WithEmptyParts(slot.View, missing);
            else if (missing.Count > 0)
                toLoad.Add((slot, missing));
            // Applied: the failed deliveries counted so far are over.
            if (slot.View.FailedDeliveries > 0)
                slot.View = slot.Kind.WithFailures(slot.View, 0, null);
        }
        if (toLoad.Count > 0)
        {
            var loaded = await store.LoadPartsAsync([.. toLoad.Select(l => (l.Slot.View, l.Buckets))], cancellationToken);
            for (var i = 0; i < toLoad.Count; i++)
                toLoad[i].Slot.View = loaded[i];
        }

        var now = time.GetUtcNow();
        foreach (var (version, recorded) in sequence)
        {
            foreach (var slot in slots.Where(s => s.Failure is null && version > s.View.Version))
            {
                slot.View = recorded is null ? slot.Kind.Skip(slot.View, version, now) : slot.Kind.Apply(slot.View, recorded);
                slot.Changed = true;
            }
            // A view whose changes fill a batch is written on its own (consistent: its root's version says what its
            // parts hold), so a long apply writes each view as often as its own parts require, no more.
            foreach (var full in slots.Where(s => s.Changed && (s.View.ChangedParts >= MaxPartsPerWrite || s.View.ChangedItems >= MaxItemsPerWrite)).ToList())
            {
                if (!await TryWriteAsync(inventoryId, [full], cancellationToken))
                    return null;
            }
        }
        // What is left goes in one batch when it fits in one (a change-feed batch's few parts), else view by view.
        var fits = slots.Sum(s => s.View.ChangedParts) <= MaxPartsPerWrite && slots.Sum(s => s.View.ChangedItems) <= MaxItemsPerWrite;
        foreach (var group in fits ? [slots] : slots.Select(s => new List<Slot> { s }))
        {
            if (!await TryWriteAsync(inventoryId, group, cancellationToken))
                return null;
        }
        return [.. slots.Where(s => s.Failure is not null).Select(s => (s.Kind, s.Failure!))];
    }

    /// <summary>
    /// Writes the changed views in one batch. When the store refuses it for good (a document too large), each is
    /// written alone, so that only the view refused counts a failure and the others go on. False: a root had changed.
    /// </summary>
    private async Task<bool> TryWriteAsync(string inventoryId, List<Slot> slots, CancellationToken cancellationToken)
    {
        var writing = slots.Where(s => s.Changed && s.Failure is null).ToList();
        if (writing.Count == 0)
            return true;
        try
        {
            return await TryWriteTogetherAsync(inventoryId, writing, cancellationToken);
        }
        catch (ViewRejectedException ex) when (writing.Count == 1)
        {
            writing[0].Failure = ex;
            return true;
        }
        catch (ViewRejectedException)
        {
            foreach (var slot in writing)
            {
                try
                {
                    if (!await TryWriteTogetherAsync(inventoryId, [slot], cancellationToken))
                        return false;
                }
                catch (ViewRejectedException ex)
                {
                    slot.Failure = ex;
                }
            }
            return true;
        }
    }

    private async Task<bool> TryWriteTogetherAsync(string inventoryId, List<Slot> writing, CancellationToken cancellationToken)
    {
        if (await store.TryWriteAsync(inventoryId, [.. writing.Select(s => new ViewWrite(s.View, s.ETag))], cancellationToken) is not { } etags)
            return false;
        for (var i = 0; i < writing.Count; i++)
            (writing[i].ETag, writing[i].View, writing[i].Changed) = (etags[i], writing[i].Kind.Saved(writing[i].View), false);
        return true;
    }

    /// <summary>
    /// Counts a failed delivery on each view that failed for good, and parks those that reached the limit (one
    /// etag-guarded batch of their roots, nothing applied).
    /// </summary>
    /// <returns>The failure to rethrow when a view is not parked yet (the batch is to be retried), else null.</returns>
    private async Task<Exception?> RecordFailuresAsync(string inventoryId, IReadOnlyList<(ViewKind Kind, Exception Failure)> failed, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await store.ReadAsync(inventoryId, [.. failed.Select(f => new ViewRead(f.Kind.ViewType, []))], cancellationToken);
            var updated = failed.Select((f, i) =>
            {
                var view = stored[i]?.View is { Continuable: true } readable ? readable : f.Kind.Empty(inventoryId);
                var (failures, parked) = PermanentFailure.Counted(view.FailedDeliveries, f.Failure.Message, time.GetUtcNow());
                return f.Kind.WithFailures(view, failures, parked);
            }).ToList();
            if (await store.TryWriteAsync(inventoryId, [.. updated.Select((view, i) => new ViewWrite(view, stored[i]?.ETag))], cancellationToken) is null)
                continue;

            Exception? retry = null;
            for (var i = 0; i < failed.Count; i++)
            {
                if (updated[i].Parked is null)
                {
                    logger.LogWarning(failed[i].Failure, "Projecting the {View} of {InventoryId} failed ({Failures} of {Max} deliveries before it is parked); the batch will be retried",
                        failed[i].Kind.Name, inventoryId, updated[i].FailedDeliveries, PermanentFailure.MaxDeliveries);
                    retry ??= failed[i].Failure;
                    continue;
                }
                logger.LogError("Parked the {View} of {InventoryId} at version {Version}: {Reason}. Rebuild it once the cause is repaired",
                    failed[i].Kind.Name, inventoryId, updated[i].Version, failed[i].Failure.Message);
            }
            // One message per parking of an inventory, however many of its views it parked.
            if (poison is not null && updated.Where(v => v.Parked is not null).MinBy(v => v.Version) is { } parked)
                await poison.SendAsync(new PoisonMessage(null, inventoryId, parked.Version + 1, "parked: " + parked.Parked!.Reason, time.GetUtcNow()), cancellationToken);
            return retry;
        }
        throw new ContentionException($"The views of '{inventoryId}' kept changing while recording a failure; the batch will be retried.");
    }

    /// <summary>
    /// Reports the undecodable versions of <paramref name="sequence"/> and the undecodable documents claiming versions
    /// past its end (not waited for), when this step reports. The sequence starts after the lowest of the views'
    /// versions, so a redelivery reports nothing again unless one view is behind the others (the queue is at least once).
    /// </summary>
    private async Task ReportUndecodableAsync(ChangeBatch batch, IReadOnlyList<(long Version, RecordedEvent? Event)> sequence, long applied,
        CancellationToken cancellationToken)
    {
        if (poison is null)
            return;
        foreach (var (version, _) in sequence.Where(s => s.Event is null))
            await ReportAsync(batch.Malformed[version], batch.InventoryId, version, cancellationToken);
        foreach (var (claimed, junk) in batch.Malformed.Where(m => m.Key > applied + sequence.Count).OrderBy(m => m.Key))
            await ReportAsync(junk, batch.InventoryId, claimed, cancellationToken);
    }

    private async Task ReportAsync(DecodeResult.Malformed malformed, string? inventoryId, long? version, CancellationToken cancellationToken)
    {
        logger.LogError("Undecodable event document {DocumentId} (inventory {InventoryId}, version {Version}) sent to the poison queue: {Reason}",
            malformed.Id, inventoryId, version, malformed.Reason);
        await poison!.SendAsync(new PoisonMessage(malformed.Id, inventoryId, version, malformed.Reason, time.GetUtcNow()), cancellationToken);
    }

    private static IReadOnlyCollection<int> Buckets(ViewKind kind, IEnumerable<RecordedEvent> events) => [.. events.SelectMany(kind.PartsFor).Distinct().Order()];

    /// <summary>One view of the inventory being projected: as applied so far, and its root's etag.</summary>
    private sealed record Slot(ViewKind Kind, IVersionedView View, bool FromScratch, string? ETag)
    {
        public IVersionedView View { get; set; } = View;

        public string? ETag { get; set; } = ETag;

        /// <summary>Applied to (or to be replaced) since last written.</summary>
        public bool Changed { get; set; }

        /// <summary>Set when the store refused this view for good: it is no longer applied or written in this delivery.</summary>
        public Exception? Failure { get; set; }
    }
}
