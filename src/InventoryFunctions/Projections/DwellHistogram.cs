using System.Collections.Immutable;

namespace InventoryFunctions.Projections;

/// <summary>
/// A fixed log-scale histogram of dwell times in seconds, stored sparsely (bucket index → units). Bucket 0 holds dwells
/// under <see cref="Resolution"/>; bucket i ≥ 1 holds [Resolution·γ^(i−1), Resolution·γ^i) with γ = <see cref="Growth"/>.
/// A percentile is the nearest-rank one (rank ⌈p·n⌉ of the sorted dwells) and is answered with the geometric middle
/// of its bucket, so it is within <see cref="RelativeError"/> of the exact value (below 1 ms: within 1 ms, reported 0).
/// A century of seconds needs about 310 buckets, so a histogram is bounded whatever the number of units.
/// </summary>
public static class DwellHistogram
{
    public const double Resolution = 0.001;
    public const double Growth = 1.1;

    /// <summary>√γ − 1 ≈ 4.88 %: the largest relative error of a percentile of 1 ms or more.</summary>
    public static readonly double RelativeError = Math.Sqrt(Growth) - 1;

    private static readonly double LogGrowth = Math.Log(Growth);

    public static int BucketOf(double seconds) =>
        seconds < Resolution ? 0 : 1 + (int)Math.Floor(Math.Log(seconds / Resolution) / LogGrowth);

    /// <summary>The value a bucket answers with: 0 for bucket 0, else the geometric middle of its bounds.</summary>
    public static double ValueOf(int bucket) =>
        bucket == 0 ? 0 : Resolution * Math.Pow(Growth, bucket - 0.5);

    public static ImmutableSortedDictionary<int, long> Add(ImmutableSortedDictionary<int, long> histogram, double seconds, long units)
    {
        var bucket = BucketOf(seconds);
        return histogram.SetItem(bucket, histogram.GetValueOrDefault(bucket) + units);
    }

    /// <summary>The nearest-rank <paramref name="percentile"/> (0 &lt; p ≤ 1) of the units in the histograms together; null when they hold none.</summary>
    public static double? Percentile(IEnumerable<ImmutableSortedDictionary<int, long>> histograms, double percentile)
    {
        var merged = new SortedDictionary<int, long>();
        foreach (var histogram in histograms)
        {
            foreach (var (bucket, units) in histogram)
                merged[bucket] = merged.GetValueOrDefault(bucket) + units;
        }
        var total = merged.Values.Sum();
        if (total == 0)
            return null;
        var rank = Math.Max(1, (long)Math.Ceiling(percentile * total));
        long seen = 0;
        foreach (var (bucket, units) in merged)
        {
            seen += units;
            if (seen >= rank)
                return ValueOf(bucket);
        }
        return ValueOf(merged.Keys.Last());
    }
}
