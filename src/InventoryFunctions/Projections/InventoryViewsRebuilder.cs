using InventoryFunctions.Application;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// Rebuilds every projection of one inventory from its log: the inventory view, the dwell-time view, and its share of
/// the global most-collected counts (counted past its watermark). What an operator's rebuild and every page of a
/// rebuild job run, so that one rebuild repairs (and releases) whichever of them was damaged or parked.
/// </summary>
public sealed class InventoryViewsRebuilder(InventoryProjector inventoryViews, VersionedViewProjector<DwellTimeView> dwellTimes, GlobalCollectedProjector global,
    ILogger<InventoryViewsRebuilder> logger)
{
    /// <returns>The rebuilt inventory view (version 0 when the inventory has no log).</returns>
    public async Task<InventoryView> RebuildAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var view = await inventoryViews.RebuildAsync(inventoryId, cancellationToken);
        await dwellTimes.RebuildAsync(inventoryId, cancellationToken);
        await global.RebuildAsync(inventoryId, cancellationToken);
        return view;
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
