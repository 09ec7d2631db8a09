using System.Globalization;
using InventoryFunctions.Benchmarks.Stack;

namespace InventoryFunctions.Benchmarks.Report;

public enum Verdict
{
    Met,
    Missed,
    NotMeasured,
}

public static class TimeTravelKinds
{
    public const string AtVersion = "atVersion";
    public const string AsOf = "asOf";
}

public sealed record TargetResult(string Target, string Measured, Verdict Verdict, string? Why = null);

/// <summary>The issue's targets, judged from the run's own numbers (nothing here changes what is measured).</summary>
public static class Targets
{
    public const double GetGrowthBound = 1.2;
    public const int LagAllowanceMs = 500;
    public const string TimeTravelTarget = "Time travel = 1 point read + 1 bounded query at every version";

    public static IReadOnlyList<TargetResult> Evaluate(BenchReport report)
    {
        var results = new List<TargetResult>();
        var history = report.History.OrderBy(h => h.Length).ToList();
        var cosmos = report.Run.Local ? null : "not available against a base URL (the app's request counters are in the deployed process)";

        // 1. GET = 1 Cosmos request at every history length.
        if (history.Count == 0 || cosmos is not null || history.Any(h => h.GetRequestsMean is null))
        {
            results.Add(new TargetResult("GET = 1 Cosmos request at every history length", cosmos ?? "not measured", Verdict.NotMeasured));
        }
        else
        {
            var measured = string.Join("; ", history.Select(h => I($"{h.Length:N0} events: {h.GetRequestsMean:0.00} per GET (max {h.GetRequestsMax})")));
            var met = history.All(h => h.GetRequestsMean == 1 && h.GetRequestsMax == 1);
            var why = met ? null : "the GET phase's requests by operation are in \"Cosmos DB requests per phase\"; a GET should be the view's point read and nothing else.";
            results.Add(new TargetResult("GET = 1 Cosmos request at every history length", measured, met ? Verdict.Met : Verdict.Missed, why));
        }

        // 2. GET p50 flat (within 1.2x from 10 to 10,000 events) while the naive replay grows.
        var shortest = history.FirstOrDefault();
        var longest = history.LastOrDefault();
        if (shortest is null || longest is null || shortest == longest || !double.IsFinite(shortest.Get.P50) || !double.IsFinite(longest.Get.P50))
        {
            results.Add(new TargetResult("GET p50 at 10,000 events within 1.2× of p50 at 10, while the naive replay grows", "not measured", Verdict.NotMeasured));
        }
        else
        {
            var getRatio = longest.Get.P50 / shortest.Get.P50;
            var naiveRatio = longest.Naive.P50 / shortest.Naive.P50;
            var getFlat = getRatio <= GetGrowthBound;
            var naiveGrows = naiveRatio > GetGrowthBound;
            var measured = I($"GET p50 {Ms(shortest.Get.P50)} → {Ms(longest.Get.P50)} ms ({getRatio:0.00}×); naive replay p50 {Ms(shortest.Naive.P50)} → {Ms(longest.Naive.P50)} ms ({naiveRatio:0.#}×), {shortest.Length:N0} → {longest.Length:N0} events");
            string? why = null;
            if (!getFlat)
            {
                var sameRequests = shortest.GetRequestsMean == longest.GetRequestsMean && shortest.GetRequestsMean is not null;
                why = I($"the GET's p50 grew {getRatio:0.00}× ({Ms(longest.Get.P50 - shortest.Get.P50)} ms)")
                    + (sameRequests ? I($" although it made the same {shortest.GetRequestsMean:0.##} Cosmos request(s) at both lengths and the view it reads has the same size, so the growth is not in the design's work; ") : "; ")
                    + I($"its p95 went {Ms(shortest.Get.P95)} → {Ms(longest.Get.P95)} ms. ")
                    + LoadRemark(report, "GET /inventories/{id} (projection)");
            }
            if (!naiveGrows)
                why = (why is null ? "" : why + " ") + I($"The naive replay grew only {naiveRatio:0.00}×.");
            results.Add(new TargetResult("GET p50 at 10,000 events within 1.2× of p50 at 10, while the naive replay grows", measured,
                getFlat && naiveGrows ? Verdict.Met : Verdict.Missed, why));
        }

        // Time travel: at most 1 point read (the snapshot) + exactly 1 query of at most interval − 1 events, at every version.
        var atVersion = report.TimeTravel?.Reads.Where(r => r.Kind == TimeTravelKinds.AtVersion).ToList() ?? [];
        if (cosmos is not null || atVersion.Count == 0 || atVersion.Any(r => r.WithinBound == Verdict.NotMeasured))
        {
            results.Add(new TargetResult(TimeTravelTarget, cosmos ?? "not measured", Verdict.NotMeasured));
        }
        else
        {
            var interval = report.TimeTravel!.SnapshotInterval;
            var measured = string.Join("; ", atVersion.Select(r => I($"version {r.Version:N0}: {r.RequestsMean:0.00} per read (max {r.RequestsMax}) = ")
                + I($"{r.PointReadsMax} point read{(r.PointReadsMax == 1 ? "" : "s")} + {Range(r.QueriesMin, r.QueriesMax)} {(r.QueriesMax == 1 ? "query" : "queries")} of ≤ {r.DocumentsMax:N0} events")))
                + I($" (snapshot interval {interval:N0}: bound {interval - 1:N0} events)");
            var missed = atVersion.Where(r => r.WithinBound != Verdict.Met).ToList();
            var why = missed.Count == 0 ? null
                : "outside the bound at " + string.Join("; ", missed.Select(r => I($"version {r.Version:N0} (by operation per read: {Operations(r.ByOperation)})")))
                  + ": a second query means the expected snapshot was not found by its point read (the reader then searches by query); more than one query page, or more events, means the query was not bounded by the snapshot.";
            results.Add(new TargetResult(TimeTravelTarget, measured, missed.Count == 0 ? Verdict.Met : Verdict.Missed, why));
        }

        // 3. Appends: at most 2 round trips cold, 1 warm.
        var cold = report.ColdWarm.Where(k => k.Kind.StartsWith("cold", StringComparison.Ordinal)).ToList();
        var warm = report.ColdWarm.Where(k => k.Kind.StartsWith("warm", StringComparison.Ordinal)).ToList();
        if (cosmos is not null || cold.Count == 0 || warm.Count == 0 || cold.Concat(warm).Any(k => k.MeanRequests is null))
        {
            results.Add(new TargetResult("Append ≤ 2 Cosmos round trips cold, 1 warm", cosmos ?? "not measured", Verdict.NotMeasured));
        }
        else
        {
            var measured = string.Join("; ", cold.Concat(warm).Select(k => I($"{k.Kind}: {k.MeanRequests:0.00} (max {k.MaxRequests})")));
            var spread = report.Appends.Where(a => !a.Contended && a.CosmosRequestsPerAppend is not null).ToList();
            if (spread.Count > 0)
                measured += "; warm under load: " + string.Join(", ", spread.Select(a => I($"c={a.Concurrency} {a.CosmosRequestsPerAppend:0.00}")));
            var met = cold.All(k => k.MaxRequests <= 2) && warm.All(k => k.MaxRequests <= 1);
            var why = met ? null : "see the per-operation split in \"Cold and warm appends\": a cold append should be one head load (a query of the head and its shards) and a batch, a warm one the batch alone.";
            results.Add(new TargetResult("Append ≤ 2 Cosmos round trips cold, 1 warm", measured, met ? Verdict.Met : Verdict.Missed, why));
        }

        // 4. Projection, per view: at most 2 Cosmos requests per inventory per change-feed batch (the global board: per shard touched + one board merge).
        if (cosmos is not null || report.Projectors.Count == 0)
        {
            results.Add(new TargetResult("Projection ≤ 2 Cosmos requests per inventory per change-feed batch, per view", cosmos ?? "not measured", Verdict.NotMeasured));
        }
        foreach (var p in cosmos is null ? report.Projectors : [])
            results.Add(p.Shape == ProjectorShape.Global ? GlobalProjector(p) : PerInventoryProjector(p));

        // Reads of the other views: the cost the design states for each.
        foreach (var route in report.ViewReads.GroupBy(r => r.Route))
        {
            var target = I($"{route.Key}: {route.First().Bound}");
            if (cosmos is not null || route.Any(r => r.WithinBound == Verdict.NotMeasured))
            {
                results.Add(new TargetResult(target, cosmos ?? "not measured", Verdict.NotMeasured));
                continue;
            }
            var measured = string.Join("; ", route.Select(r => I($"{r.Read}: {r.RequestsMean:0.00} per read (max {r.RequestsMax}) = {Operations(r.ByOperation)}")
                + (r.DocumentsMax > 0 ? I($", ≤ {r.DocumentsMax:N0} documents") : "")));
            var missed = route.Where(r => r.WithinBound != Verdict.Met).ToList();
            results.Add(new TargetResult(target, measured, missed.Count == 0 ? Verdict.Met : Verdict.Missed,
                missed.Count == 0 ? null : "outside the bound at " + string.Join("; ", missed.Select(r => r.Read)) + " (see \"Reads of the other views\" for the split by operation)."));
        }

        // 5. Lag p99 within the poll delay + 500 ms.
        if (report.Lag is not { Lag.Count: > 0 } lag)
        {
            results.Add(new TargetResult("Projection lag p99 ≤ poll delay + 500 ms", "not measured", Verdict.NotMeasured));
        }
        else
        {
            var bound = lag.PollDelayMs + LagAllowanceMs;
            var measured = I($"p50 {lag.Lag.P50:N0} ms, p99 {lag.Lag.P99:N0} ms, max {lag.Lag.Max:N0} ms over {lag.Lag.Count} samples (bound {bound:N0} ms; poll delay {lag.PollDelayMs:N0} ms)")
                + (lag.Timeouts > 0 ? I($", {lag.Timeouts} timed out") : "");
            var met = lag.Lag.P99 <= bound && lag.Timeouts == 0;
            var why = met ? null
                : I($"{lag.Lag.P99 - lag.PollDelayMs:N0} ms beyond one poll delay at p99: the change-feed processor waits the poll delay after an empty read, then reads the page, the projector reads and writes each view, and the lease is checkpointed before the next read; ")
                  + LoadRemark(report, "projection lag");
            results.Add(new TargetResult("Projection lag p99 ≤ poll delay + 500 ms", measured, met ? Verdict.Met : Verdict.Missed, why));
        }
        return results;
    }

    /// <summary>
    /// A per-inventory function (ProjectInventory: the inventory view and most collected through one step; ProjectDwellTime):
    /// 1 read of the roots with the parts the batch needs + at most 1 transactional batch per inventory per batch, on
    /// average and in the worst batch.
    /// </summary>
    private static TargetResult PerInventoryProjector(ProjectorCost p)
    {
        var target = I($"Projection ≤ 2 Cosmos requests per inventory per change-feed batch: {p.Function}");
        if (p.InventoryBatches == 0)
            return new TargetResult(target, "no change-feed batch with events was seen", Verdict.NotMeasured);
        var gaps = p.Of(ProjectorLedger.GapFill);
        var measured = I($"{p.PerInventoryMean:0.00} on average over {p.Batches:N0} batches ({p.InventoryBatches:N0} inventory-batches: {p.Of(ProjectorLedger.ViewRead):N0} view reads, {p.Of(ProjectorLedger.ViewWrite):N0} view writes, {gaps:N0} gap-fill queries")
            + (OtherRequests(p, ProjectorLedger.ViewRead, ProjectorLedger.ViewWrite, ProjectorLedger.GapFill) is { Length: > 0 } other ? $", {other}" : "")
            + I($"); worst batch {p.PerInventoryWorstBatch:0.00} per inventory");
        var met = p.PerInventoryMean <= 2 && p.PerInventoryWorstBatch <= 2;
        var extraWrites = p.Of(ProjectorLedger.ViewWrite) - p.InventoryBatches;
        var why = met ? null : gaps > 0
            ? I($"{gaps} gap-fill queries: some batches started above the view's version (a view write lost a race, or the feed delivered a later page first), and the projector read the missing versions from the log; each is a third request for that inventory.")
            : extraWrites > 0
                ? I($"{extraWrites:N0} writes beyond one per inventory-batch: a batch whose events change more than 90 parts of an inventory's views (a backlog of an inventory with many distinct items) is written in several transactional batches of at most 100 operations, and a write that lost an etag race to another instance is read and written again.")
                : "reads beyond one per inventory-batch: parts loaded after a gap fill, or a root read again after a lost etag race.";
        return new TargetResult(target, measured, met ? Verdict.Met : Verdict.Missed, why);
    }

    /// <summary>
    /// The global board is not per inventory: per batch, per shard its inventories hash to, 1 query (watermarks and
    /// counters) + 1 transactional batch; then one board merge: 1 point read, 1 cross-partition query (a round trip for
    /// the SDK's query plan, which it asks the gateway for on Linux, + 1 page per partition key range: 1 on the dev
    /// server), 1 write. Judged per batch on every request it made (gap fills and retries included).
    /// </summary>
    private static TargetResult GlobalProjector(ProjectorCost p)
    {
        var target = I($"Global most-collected projector ≤ 2 Cosmos requests per shard touched + 1 board merge (point read, cross-partition query, write) per change-feed batch: {p.Function}");
        if (p.ShardBatches == 0)
            return new TargetResult(target, "no change-feed batch with events was seen", Verdict.NotMeasured);
        var boardMerge = p.MaxOf(ProjectorLedger.BoardRead) + p.MaxOf(ProjectorLedger.BoardQuery) + p.MaxOf(ProjectorLedger.QueryPlan) + p.MaxOf(ProjectorLedger.BoardWrite);
        var shardRequests = p.Of(ProjectorLedger.ShardQuery) + p.Of(ProjectorLedger.ShardWrite);
        var measured = I($"{p.PerShardMean:0.00} shard requests per shard touched on average over {p.Batches:N0} batches ({p.ShardBatches:N0} shard-batches: {p.Of(ProjectorLedger.ShardQuery):N0} shard queries, {p.Of(ProjectorLedger.ShardWrite):N0} transactional batches), worst batch {p.PerShardWorstBatch:0.00}; ")
            + I($"board merge per batch at most {p.MaxOf(ProjectorLedger.BoardRead)} point read + {p.MaxOf(ProjectorLedger.QueryPlan)} query plan + {p.MaxOf(ProjectorLedger.BoardQuery)} query page + {p.MaxOf(ProjectorLedger.BoardWrite)} write; ")
            + I($"{p.Of(ProjectorLedger.GapFill):N0} gap-fill queries")
            + (OtherRequests(p, ProjectorLedger.ShardQuery, ProjectorLedger.ShardWrite, ProjectorLedger.BoardRead, ProjectorLedger.BoardQuery, ProjectorLedger.QueryPlan, ProjectorLedger.BoardWrite, ProjectorLedger.GapFill) is { Length: > 0 } other ? $", {other}" : "")
            + I($"; {p.PerInventoryMean:0.00} requests per inventory per batch on average ({p.Requests:N0} requests, {p.InventoryBatches:N0} inventory-batches)");
        var met = p.PerShardWorstBatch <= 2 && p.MaxOf(ProjectorLedger.BoardRead) <= 1 && p.MaxOf(ProjectorLedger.QueryPlan) <= 1
            && p.MaxOf(ProjectorLedger.BoardQuery) <= 1 && p.MaxOf(ProjectorLedger.BoardWrite) <= 1 && p.Of(ProjectorLedger.GapFill) == 0
            && p.Of(ProjectorLedger.Other) == 0;
        var why = met ? null
            : I($"{shardRequests:N0} shard requests, {p.Of(ProjectorLedger.GapFill):N0} gap-fill queries, board merge up to {boardMerge} round trips in one batch: ")
              + "a lost etag race on a shard or on the board reads again (412/409), a version missing from the page is read from the log, and a commit over ~1.5 MB of counters takes another round.";
        return new TargetResult(target, measured, met ? Verdict.Met : Verdict.Missed, why);
    }

    /// <summary>Request kinds other than <paramref name="expected"/>, as "n kind".</summary>
    private static string OtherRequests(ProjectorCost p, params string[] expected) =>
        string.Join(", ", p.ByKind.Where(kv => !expected.Contains(kv.Key)).Select(kv => I($"{kv.Value:N0} {kv.Key}")));

    /// <summary>
    /// The bound a time-travel read is judged against, what this read should do given the interval, and whether
    /// the measured maxima stay within the bound. atVersion: at most 1 point read (the snapshot at the last multiple
    /// of the interval at or below N; none below the first one) + exactly 1 query returning at most interval − 1
    /// events, nothing else. asOf: 2 queries (the latest snapshot at or before the instant, 1 document; then at most
    /// one page of interval events after it), nothing else.
    /// </summary>
    public static (string Bound, string Expected, Verdict Verdict) JudgeTimeTravel(string kind, long version, int interval,
        long? pointReadsMax, long? queriesMin, long? queriesMax, long? otherMax, long? documentsMax)
    {
        var snapshot = version / interval * interval;
        string bound, expected;
        bool within;
        if (kind == TimeTravelKinds.AtVersion)
        {
            bound = I($"1 point read + 1 query of at most {interval - 1:N0} events (interval − 1)");
            expected = snapshot == 0
                ? I($"no snapshot at or below {version:N0} (the first is at {interval:N0}): no point read, 1 query of {version:N0} events")
                : I($"point read of snapshot {snapshot:N0} + 1 query of {version - snapshot:N0} events");
            within = pointReadsMax <= 1 && queriesMin == 1 && queriesMax == 1 && otherMax == 0 && documentsMax <= interval - 1;
        }
        else
        {
            bound = I($"2 queries: the latest snapshot at or before the instant (1 document) + at most {interval:N0} events after it");
            expected = snapshot == 0
                ? I($"no snapshot: 1 snapshot query (0 documents) + events from the start")
                : I($"snapshot query → snapshot {snapshot:N0}, then 1 query of the events after it ({version - snapshot:N0} up to the instant; a page holds at most {interval:N0})");
            within = pointReadsMax == 0 && queriesMin == 2 && queriesMax == 2 && otherMax == 0 && documentsMax <= interval + 1;
        }
        var measured = pointReadsMax is not null && queriesMin is not null && queriesMax is not null && otherMax is not null && documentsMax is not null;
        return (bound, expected, !measured ? Verdict.NotMeasured : within ? Verdict.Met : Verdict.Missed);
    }

    public static string Operations(IReadOnlyDictionary<string, double>? byOperation) =>
        byOperation is null ? "n/a" : byOperation.Count == 0 ? "none"
        : string.Join(", ", byOperation.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => I($"{o.Key} {o.Value:0.##}")));

    private static string Range(long? min, long? max) => min == max ? I($"{max}") : I($"{min}–{max}");

    private static string LoadRemark(BenchReport report, string phase)
    {
        var load = report.Run.Load?.ByPhase.FirstOrDefault(p => p.Phase == phase);
        if (load is null || !double.IsFinite(load.OthersCpu))
            return "";
        return I($"During that phase other processes used {load.OthersCpu:P0} of the machine's CPU and this benchmark (app, load generator, dev server) {load.OwnCpu:P0}")
            + (load.OthersCpu + load.OwnCpu > 0.9 ? ", so requests queued for CPU." : ".");
    }

    private static string Ms(double ms) => SvgChart.Milliseconds(ms);

    private static string I(FormattableString text) => FormattableString.Invariant(text);
}
