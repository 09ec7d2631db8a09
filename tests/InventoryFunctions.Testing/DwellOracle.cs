using InventoryFunctions.Domain;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Testing;

/// <summary>Exact dwell statistics of some units, computed unit by unit.</summary>
public sealed record ExactDwell(long Removed, double? Mean, double? Median, double? P90, long Held, DateTimeOffset? OldestHeldSince);

/// <summary>
/// The brute-force reference for dwell time: every unit is kept on its own, first in first out per item; a removal
/// ends the dwell of the units added first (clamped at 0), units removed that were never held have no dwell.
/// Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the sorted dwells.
/// </summary>
public static class DwellOracle
{
    public static (IReadOnlyDictionary<string, ExactDwell> Items, ExactDwell All) Compute(IEnumerable<RecordedEvent> log)
    {
        var held = new Dictionary<string, Queue<DateTimeOffset>>(StringComparer.Ordinal);
        var dwells = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var e in log)
        {
            var queue = held.TryGetValue(e.Event.ItemId, out var q) ? q : held[e.Event.ItemId] = new Queue<DateTimeOffset>();
            var list = dwells.TryGetValue(e.Event.ItemId, out var l) ? l : dwells[e.Event.ItemId] = [];
            for (var unit = 0; unit < e.Event.Quantity; unit++)
            {
                if (e.Event is ItemAdded)
                    queue.Enqueue(e.OccurredAt);
                else if (queue.Count > 0)
                    list.Add(Math.Max(0, (e.OccurredAt - queue.Dequeue()).Ticks / (double)TimeSpan.TicksPerSecond));
            }
        }
        var items = held.Keys.Where(id => held[id].Count > 0 || dwells[id].Count > 0)
            .ToDictionary(id => id, id => Stats(dwells[id], held[id].Count, held[id].Count > 0 ? held[id].Peek() : null), StringComparer.Ordinal);
        // Over all items, the oldest unit is the earliest of each item's first in.
        return (items, Stats([.. dwells.Values.SelectMany(d => d)], held.Values.Sum(q => q.Count),
            held.Values.Where(q => q.Count > 0).Select(q => (DateTimeOffset?)q.Peek()).Min()));
    }

    private static ExactDwell Stats(List<double> dwells, long held, DateTimeOffset? oldest)
    {
        var sorted = dwells.Order().ToList();
        double? Rank(double p) => sorted.Count == 0 ? null : sorted[(int)Math.Max(1, Math.Ceiling(p * sorted.Count)) - 1];
        return new ExactDwell(sorted.Count, sorted.Count == 0 ? null : sorted.Average(), Rank(0.5), Rank(0.9), held, oldest);
    }
}

/// <summary>Dwell statistics compared with the oracle within the documented error.</summary>
public static class DwellAssert
{
    /// <summary>Exact counts and oldest unit; mean within <paramref name="slack"/>; percentiles within the histogram's error (+ slack).</summary>
    public static void Close(ExactDwell exact, DwellStatistics actual, string because, double slack)
    {
        Assert.True(exact.Removed == actual.Removed && exact.Held == actual.Held, $"{because}: counts {exact} vs {actual}");
        Assert.True(exact.OldestHeldSince.HasValue == actual.OldestHeldSince.HasValue
            && Math.Abs(((exact.OldestHeldSince ?? default) - (actual.OldestHeldSince ?? default)).TotalSeconds) <= slack,
            $"{because}: oldest {exact.OldestHeldSince:O} vs {actual.OldestHeldSince:O}");
        AssertNear(exact.Mean, actual.MeanSeconds, 1e-6 + slack, because + ", mean");
        AssertNear(exact.Median, actual.MedianSeconds, Tolerance(exact.Median) + slack, because + ", median");
        AssertNear(exact.P90, actual.P90Seconds, Tolerance(exact.P90) + slack, because + ", p90");
    }

    private static double Tolerance(double? exact) =>
        Math.Max(DwellHistogram.Resolution, (exact ?? 0) * DwellHistogram.RelativeError) * (1 + 1e-9);

    private static void AssertNear(double? expected, double? actual, double tolerance, string because)
    {
        Assert.True(expected.HasValue == actual.HasValue, $"{because}: expected {expected}, got {actual}");
        if (expected is { } e)
            Assert.True(Math.Abs(e - actual!.Value) <= tolerance, $"{because}: expected {e}, got {actual} (tolerance {tolerance})");
    }

}
