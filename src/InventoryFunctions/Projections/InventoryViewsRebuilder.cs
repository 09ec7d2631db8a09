namespace InventoryFunctions.Projections;

/// <summary>
/// Rebuilds every projection of one inventory from its log: the inventory view, the dwell-time view, and its share of
/// the global most-collected counts (counted past its watermark). What an operator's rebuild runs, so that one rebuild
/// repairs (and releases) whichever of them was damaged or parked.
/// </summary>
public sealed class InventoryViewsRebuilder(InventoryProjector inventoryViews, VersionedViewProjector<DwellTimeView> dwellTimes, GlobalCollectedProjector global)
{
    /// <returns>The rebuilt inventory view (version 0 when the inventory has no log).</returns>
    public async Task<InventoryView> RebuildAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var view = await inventoryViews.RebuildAsync(inventoryId, cancellationToken);
        await dwellTimes.RebuildAsync(inventoryId, cancellationToken);
        await global.RebuildAsync(inventoryId, cancellationToken);
        return view;
    }
}
