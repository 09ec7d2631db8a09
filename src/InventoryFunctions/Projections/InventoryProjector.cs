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
/// they are projected, the batch is retried for it, and after <see cref="MaxPermanentFailures"/> tries in a row the
/// inventory is parked (its view records when and why, the poison queue and the log hear of it) and the batch
/// completes. A parked view applies nothing more until a rebuild repairs it.
/// </summary>
public sealed class InventoryProjector(IProjectionStore views, IEventLogReader log, IPoisonQueue poison, TimeProvider time, ILogger<InventoryProjector> logger)
{
    /// <summary>Another projector instance writing the same view can win a race; then read and apply again.</summary>
    private const int MaxWriteAttempts = 5;

    /// <summary>Deliveries of a batch in a row in which one inventory failed for good before it is parked.</summary>
    public const int MaxPermanentFailures = 3;

    // Per inventory: permanent failures in a row in this process (a restart starts counting again: still bounded).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);

    public async Task ProjectAsync(IReadOnlyList<ChangedDocument> documents, CancellationToken cancellationToken)
    {
        var batches = new Dictionary<string, InventoryBatch>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            switch (document.Result)
            {
                case DecodeResult.Decoded decoded:
                    Batch(batches, decoded.InventoryId).Events[decoded.Event.Version] = decoded;
                    break;
                case DecodeResult.Malformed malformed:
                    if (document is { InventoryId: { } inventoryId, Version: { } version })
                        Batch(batches, inventoryId).Malformed[version] = malformed;
                    else
                        await ReportAsync(malformed, document.InventoryId, document.Version, cancellationToken);
                    break;
            }
        }

        Exception? retry = null;
        foreach (var batch in batches.Values)
        {
            try
            {
                await ProjectInventoryAsync(batch, cancellationToken);
                _failures.TryRemove(batch.InventoryId, out _);
            }
            catch (Exception ex) when (IsPermanent(ex))
            {
                var failures = _failures.AddOrUpdate(batch.InventoryId, 1, (_, n) => n + 1);
                if (failures < MaxPermanentFailures)
                {
                    logger.LogWarning(ex, "Projecting {InventoryId} failed ({Failures} of {Max} before it is parked); the batch will be retried",
                        batch.InventoryId, failures, MaxPermanentFailures);
                    retry ??= ex;
                    continue;
                }
                await ParkAsync(batch.InventoryId, ex.Message, cancellationToken);
                _failures.TryRemove(batch.InventoryId, out _);
            }
        }

        // Every other inventory of the batch is projected; a redelivery changes nothing for them.
        if (retry is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(retry);
    }

    /// <summary>Failures that another delivery would not cure; anything else (timeouts, throttling, 5xx) is transient.</summary>
    private static bool IsPermanent(Exception ex) => ex is CorruptEventException or ViewRejectedException;

    private async Task ParkAsync(string inventoryId, string reason, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, cancellationToken);
            var view = stored?.View ?? InventoryView.Empty(inventoryId);
            var parked = view with { Parked = new Parking(time.GetUtcNow(), reason) };
            if (await views.TryWriteAsync(parked, stored?.ETag, cancellationToken))
            {
                logger.LogError("Parked the view of {InventoryId} at version {Version}: {Reason}. Rebuild it once the cause is repaired",
                    inventoryId, view.Version, reason);
                await poison.SendAsync(new PoisonMessage(null, inventoryId, view.Version + 1, "parked: " + reason, time.GetUtcNow()), cancellationToken);
                return;
            }
        }
        throw new ContentionException($"The view of '{inventoryId}' kept changing while parking it; the batch will be retried.");
    }

    /// <summary>
    /// Recomputes an inventory's view from its whole log and replaces the stored one (missing, corrupted or wrong).
    /// Racing the change feed is safe: the log is read after the view, so the rebuilt view is at least as new as the
    /// one it replaces, and the write is guarded by that view's etag (a concurrent projector write means: again).
    /// </summary>
    /// <param name="reportUndecodable">False when replaying the poison queue: what is still undecodable is already in it.</param>
    public async Task<InventoryView> RebuildAsync(string inventoryId, CancellationToken cancellationToken, bool reportUndecodable = true)
    {
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(inventoryId, cancellationToken);
            var batch = new InventoryBatch(inventoryId) { Report = reportUndecodable };
            await FillGapAsync(batch, 1, long.MaxValue, cancellationToken);
            var last = batch.LastVersion;
            var view = await ApplyAsync(InventoryView.Empty(inventoryId), batch, last, cancellationToken);
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

    /// <summary>
    /// Rebuilds the views of <paramref name="inventoryIds"/> (a page of a rebuild job). One damaged or busy inventory
    /// does not stop the others: it is logged and named in <see cref="RebuildAllResult.Failed"/>; anything else (the
    /// store unreachable) throws.
    /// </summary>
    public async Task<RebuildAllResult> RebuildManyAsync(IReadOnlyList<string> inventoryIds, CancellationToken cancellationToken)
    {
        var rebuilt = 0;
        var failed = new List<string>();
        foreach (var id in inventoryIds)
        {
            try
            {
                await RebuildAsync(id, cancellationToken);
                rebuilt++;
            }
            catch (Exception ex) when (ex is CorruptEventException or ContentionException or ViewRejectedException)
            {
                logger.LogError(ex, "Could not rebuild the view of {InventoryId}", id);
                failed.Add(id);
            }
        }
        return new RebuildAllResult(rebuilt, failed);
    }

    private async Task ProjectInventoryAsync(InventoryBatch batch, CancellationToken cancellationToken)
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
            var last = batch.LastVersion;
            if (last <= view.Version)
                return; // all of it applied before: a redelivery writes nothing

            if (HasGap(batch, view.Version + 1, last))
                await FillGapAsync(batch, view.Version + 1, last, cancellationToken);
            var before = view.Version;
            view = await ApplyAsync(view, batch, last, cancellationToken);
            if (view.Version == before)
                return; // only undecodable documents past the end of the log: reported, nothing to write

            if (await views.TryWriteAsync(view, stored?.ETag, cancellationToken))
            {
                logger.LogInformation("Projected {InventoryId} to version {Version}", batch.InventoryId, view.Version);
                return;
            }
            logger.LogDebug("View of {InventoryId} changed while projecting (attempt {Attempt}); reading it again", batch.InventoryId, attempt);
        }
        throw new ContentionException($"The view of '{batch.InventoryId}' kept changing under the projector; the batch will be retried.");
    }

    /// <summary>Applies versions above the view's up to <paramref name="last"/>, in order; undecodable ones are reported and skipped.</summary>
    private async Task<InventoryView> ApplyAsync(InventoryView view, InventoryBatch batch, long last, CancellationToken cancellationToken)
    {
        for (var version = view.Version + 1; version <= last; version++)
        {
            if (batch.Events.TryGetValue(version, out var decoded))
            {
                view = view.Apply(decoded.Event);
            }
            else if (batch.Malformed.TryGetValue(version, out var malformed))
            {
                if (batch.Report)
                    await ReportAsync(malformed, batch.InventoryId, version, cancellationToken);
                view = view.Skip(version, time.GetUtcNow());
            }
            else if (batch.Events.Keys.Any(v => v > version))
            {
                // The change feed retries the batch (a replica may lag); a rebuild reports the log as corrupt.
                throw new CorruptEventException(batch.InventoryId, CorruptEventException.DocumentIdOf(version),
                    $"version {version} is missing from the log while later versions exist");
            }
            else
            {
                // Nothing real lies beyond this point: what remains are undecodable documents claiming versions past
                // the end of the log. Report them and stop here rather than wait forever for versions that never come.
                foreach (var (claimed, junk) in batch.Malformed.Where(m => m.Key >= version).ToList())
                {
                    if (batch.Report)
                        await ReportAsync(junk, batch.InventoryId, claimed, cancellationToken);
                    batch.Malformed.Remove(claimed);
                }
                break;
            }
        }
        return view;
    }

    private static bool HasGap(InventoryBatch batch, long from, long to)
    {
        for (var version = from; version <= to; version++)
        {
            if (!batch.Events.ContainsKey(version) && !batch.Malformed.ContainsKey(version))
                return true;
        }
        return false;
    }

    private async Task FillGapAsync(InventoryBatch batch, long from, long to, CancellationToken cancellationToken)
    {
        logger.LogInformation("Batch for {InventoryId} lacks versions between {From} and {To}; reading them from the log", batch.InventoryId, from, to);
        foreach (var document in await log.ReadRangeAsync(batch.InventoryId, from, to, cancellationToken))
        {
            switch (document.Result)
            {
                case DecodeResult.Decoded decoded:
                    batch.Events.TryAdd(decoded.Event.Version, decoded);
                    break;
                case DecodeResult.Malformed malformed:
                    batch.Malformed.TryAdd(document.Version, malformed);
                    break;
            }
        }
    }

    private async Task ReportAsync(DecodeResult.Malformed malformed, string? inventoryId, long? version, CancellationToken cancellationToken)
    {
        logger.LogError("Undecodable event document {DocumentId} (inventory {InventoryId}, version {Version}) sent to the poison queue: {Reason}",
            malformed.Id, inventoryId, version, malformed.Reason);
        await poison.SendAsync(new PoisonMessage(malformed.Id, inventoryId, version, malformed.Reason, time.GetUtcNow()), cancellationToken);
    }

    private static InventoryBatch Batch(Dictionary<string, InventoryBatch> batches, string inventoryId)
    {
        if (!batches.TryGetValue(inventoryId, out var batch))
            batches[inventoryId] = batch = new InventoryBatch(inventoryId);
        return batch;
    }

    private sealed record InventoryBatch(string InventoryId)
    {
        /// <summary>Whether undecodable documents are sent to the poison queue.</summary>
        public bool Report { get; init; } = true;

        public long LastVersion => Math.Max(Events.Keys.DefaultIfEmpty(0).Max(), Malformed.Keys.DefaultIfEmpty(0).Max());

        public SortedDictionary<long, DecodeResult.Decoded> Events { get; } = [];
        public SortedDictionary<long, DecodeResult.Malformed> Malformed { get; } = [];
    }
}
