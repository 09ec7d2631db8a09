namespace InventoryFunctions.Benchmarks.Load;

/// <summary>Latency percentiles in milliseconds (linear interpolation between closest ranks).</summary>
public sealed record LatencySummary(int Count, int Errors, double Mean, double P50, double P95, double P99, double Max)
{
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds, int errors = 0)
    {
        if (milliseconds.Count == 0)
            return new LatencySummary(0, errors, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = milliseconds.Order().ToArray();
        return new LatencySummary(sorted.Length, errors, sorted.Average(), Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1]);
    }

    public static double Percentile(double[] sorted, double percent)
    {
        if (sorted.Length == 1)
            return sorted[0];
        var rank = percent / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
