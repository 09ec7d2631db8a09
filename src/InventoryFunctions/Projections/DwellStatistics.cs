namespace InventoryFunctions.Projections;

/// <summary>
/// Dwell statistics of some units: how many were removed, their mean, median and p90 dwell in seconds (null when none
/// was removed), and the units still held with the instant the oldest was added (null when none is held).
/// </summary>
public sealed record DwellStatistics(long Removed, double? MeanSeconds, double? MedianSeconds, double? P90Seconds, long Held, DateTimeOffset? OldestHeldSince)
{
    /// <summary>One item's statistics.</summary>
    public static DwellStatistics Of(ItemDwell item) =>
        Of(item, item.HeldUnits, item.Held.Count > 0 ? item.Held[0].AddedAt : null);

    /// <summary>Over every item of a view: the removed units of <see cref="DwellTimeView.All"/> and what is held now.</summary>
    public static DwellStatistics Of(DwellTimeView view) =>
        Of(view.All, view.Holding.Values.Sum(h => h.Units), view.Holding.Count == 0 ? null : view.Holding.Values.Min(h => h.OldestAddedAt));

    private static DwellStatistics Of(ItemDwell removed, long held, DateTimeOffset? oldest) => new(
        removed.Removed,
        removed.Removed == 0 ? null : (double)(removed.TotalSeconds / removed.Removed),
        DwellHistogram.Percentile([removed.Histogram], 0.5),
        DwellHistogram.Percentile([removed.Histogram], 0.9),
        held,
        oldest);
}
