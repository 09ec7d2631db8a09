namespace InventoryFunctions.Projections;

/// <summary>
/// Dwell statistics of some units: how many were removed, their mean, median and p90 dwell in seconds (null when none
/// was removed), and the units still held with the instant the oldest was added (null when none is held).
/// </summary>
public sealed record DwellStatistics(long Removed, double? MeanSeconds, double? MedianSeconds, double? P90Seconds, long Held, DateTimeOffset? OldestHeldSince)
{
    public static DwellStatistics Of(IReadOnlyCollection<ItemDwell> items)
    {
        var removed = items.Sum(i => i.Removed);
        var total = items.Sum(i => i.TotalSeconds);
        var histograms = items.Select(i => i.Histogram).ToList();
        var oldest = items.Where(i => i.Held.Count > 0).Select(i => (DateTimeOffset?)i.Held[0].AddedAt).Min();
        return new DwellStatistics(
            removed,
            removed == 0 ? null : (double)(total / removed),
            DwellHistogram.Percentile(histograms, 0.5),
            DwellHistogram.Percentile(histograms, 0.9),
            items.Sum(i => i.HeldUnits),
            oldest);
    }
}
