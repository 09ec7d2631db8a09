using System.Globalization;

namespace InventoryFunctions.Benchmarks.Report;

/// <summary>Caveats the report states from the run's own conditions.</summary>
public static class Notes
{
    /// <summary>Above this share of the machine's CPU used by other processes, the run counts as made on a busy machine.</summary>
    private const double BusyOthersShare = 0.15;

    public static void Add(BenchReport report)
    {
        var run = report.Run;
        if (run.Load is { } load && double.IsFinite(load.OthersCpu) && (load.OthersCpu > BusyOthersShare || load.OthersCpuMaxPhase > 2 * BusyOthersShare))
        {
            report.Notes.Add(I($"**The machine was busy during this run**: other processes used {load.OthersCpu:P0} of its CPU over the run, up to {load.OthersCpuMaxPhase:P0} during a phase ")
                + I($"(1-minute load average up to {load.Max:0.0} on {load.Cores} cores). Latencies and throughput are pessimistic and noisy, ratios less so; ")
                + "re-run `./bench.sh --short` on a quiet machine for cleaner numbers.");
        }
        if (run.Local)
        {
            report.Notes.Add("The Cosmos DB dev server is a JavaScript in-memory stand-in: every query scans the container's documents in JavaScript (so the naive replay "
                + "also pays for the other inventories' documents, including those of the phases before it), the request charge is a constant, and there is one "
                + "partition key range and one lease. On Azure Cosmos DB a 1 KB point read costs 1 RU and a query costs RUs in proportion to what it reads and returns.");
            report.Notes.Add("The load generator (with the local Functions hosts in its process), the app's worker processes (one for HTTP, one per change-feed function), the dev server and Azurite share the machine's cores, "
                + "so throughput is bounded by this machine, not by the design.");
        }
        else
        {
            report.Notes.Add("Against a deployed app the Cosmos request counts are not available (they live in the app's process; its `CosmosRequestMetrics` meter "
                + "`InventoryFunctions.Cosmos` reaches Application Insights through OpenTelemetry if configured). The inventories this run created stay in the account.");
        }
        if (run.Mode == "short")
            report.Notes.Add(I($"Short mode: p99 of {run.Sizes.LagSamples} lag samples, or of the short append runs, is close to the maximum; `./bench.sh --full` takes bigger samples."));
    }

    private static string I(FormattableString text) => FormattableString.Invariant(text);
}
