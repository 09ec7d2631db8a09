using InventoryFunctions.Application;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>What rebuilding one inventory's views produced: its inventory view and its collected totals.</summary>
public sealed record RebuiltViews(InventoryView Inventory, CollectedView Collected);

/// <summary>
/// The one repair path: rebuilds every projection of one inventory from its log, read once for all the per-inventory
/// views (the inventory view, most collected, dwell time: one read of their roots and their batches), and its share of the global most-collected counts. What an
/// operator's rebuild, every page of a rebuild job and the poison replay run, so that one repair reaches (and releases)
/// whichever of them was damaged or parked.
/// </summary>
public sealed class ViewRepair(ViewProjectors views, GlobalCollectedProjector global, IEventLogReader log, ILogger<ViewRepair> logger)
{
    /// <param name="reportUndecodable">False when replaying the poison queue: what is still undecodable is already in it.</param>
    /// <returns>The rebuilt views (version 0 when the inventory has no log).</returns>
    public async Task<RebuiltViews> RebuildAsync(string inventoryId, CancellationToken cancellationToken, bool reportUndecodable = true)
    {
        var whole = await ChangeBatch.FromLogAsync(inventoryId, log, cancellationToken);
        var rebuilt = await views.Every.RebuildAsync(inventoryId, whole, cancellationToken, reportUndecodable);
        await global.RebuildAsync(inventoryId, whole, cancellationToken);
        return new RebuiltViews(rebuilt.OfType<InventoryView>().Single(), rebuilt.OfType<CollectedView>().Single());
    }

    /// <summary>
    /// Rebuilds the projections of <paramref name="inventoryIds"/> (a page of a rebuild job). One damaged or busy
    /// inventory does not stop the others: it is logged and named in <see cref="RebuildAllResult.Failed"/>; anything
    /// else (the store unreachable) throws.
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
                logger.LogError(ex, "Could not rebuild the projections of {InventoryId}", id);
                failed.Add(id);
            }
        }
        return new RebuildAllResult(rebuilt, failed);
    }
}
