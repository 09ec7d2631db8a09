using InventoryFunctions.Application;
using InventoryFunctions.Domain;
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
        var batches = new Dictionary<string, Batch>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            var (inventoryId, version, decoded) = document.Result switch
            {
                DecodeResult.Decoded d => (d.InventoryId, d.Event.Version, d.Event),
                DecodeResult.Malformed when document is { InventoryId: { } id, Version: { } v } => (id, v, null),
                _ => (null, 0L, (RecordedEvent?)null),
            };
            if (inventoryId is null)
                continue;
            if (!batches.TryGetValue(inventoryId, out var batch))
                batches[inventoryId] = batch = new Batch(inventoryId);
            batch.Versions[version] = decoded;
        }

        foreach (var batch in batches.Values)
            await ProjectInventoryAsync(batch, cancellationToken);
    }

    private async Task ProjectInventoryAsync(Batch batch, CancellationToken cancellationToken)
    {
        var last = batch.Versions.Keys.Max();
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await views.ReadAsync(batch.InventoryId, cancellationToken);
            var view = stored?.View ?? TView.Empty(batch.InventoryId);
            if (last <= view.Version)
                return; // applied before: a redelivery writes nothing

            var from = view.Version + 1;
            if (Enumerable.Range(0, (int)Math.Min(last - from + 1, int.MaxValue)).Any(i => !batch.Versions.ContainsKey(from + i)))
            {
                logger.LogInformation("Batch for {InventoryId} lacks versions between {From} and {To}; reading them from the log", batch.InventoryId, from, last);
                foreach (var document in await log.ReadRangeAsync(batch.InventoryId, from, last, cancellationToken))
                    batch.Versions.TryAdd(document.Version, (document.Result as DecodeResult.Decoded)?.Event);
            }

            var before = view.Version;
            for (var version = from; version <= last; version++)
            {
                if (!batch.Versions.TryGetValue(version, out var recorded))
                {
                    if (batch.Versions.Keys.Any(v => v > version && batch.Versions[v] is not null))
                        throw new CorruptEventException(batch.InventoryId, CorruptEventException.DocumentIdOf(version),
                            $"version {version} is missing from the log while later versions exist");
                    break; // only undecodable documents claim versions past the end of the log
                }
                view = recorded is null ? view.Skip(version) : view.Apply(recorded);
            }
            if (view.Version == before)
                return;
            if (await views.TryWriteAsync(view, stored?.ETag, cancellationToken))
            {
                logger.LogDebug("Projected {View} of {InventoryId} to version {Version}", typeof(TView).Name, batch.InventoryId, view.Version);
                return;
            }
        }
        throw new ContentionException($"The {typeof(TView).Name} of '{batch.InventoryId}' kept changing under the projector; the batch will be retried.");
    }

    /// <summary>One inventory's part of a batch: version → event, or null for an undecodable document.</summary>
    private sealed record Batch(string InventoryId)
    {
        public SortedDictionary<long, RecordedEvent?> Versions { get; } = [];
    }
}
