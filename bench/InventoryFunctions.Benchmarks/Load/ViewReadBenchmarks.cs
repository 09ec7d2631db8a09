using System.Text.Json;
using InventoryFunctions.Benchmarks.Report;
using InventoryFunctions.Benchmarks.Stack;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>
/// Reads of the views beside the inventory's: the dwell-time view at each history length, the global most-collected
/// board, and replay pages of the longest history. One read at a time, rows interleaved round by round, so each read's
/// Cosmos requests (the HTTP instance's, while serving it) and the documents its queries returned are exact.
/// </summary>
public sealed partial class MacroBenchmarks
{
    /// <summary>The top asked of the global board (the brief's example; any N up to 100 is one point read).</summary>
    private const int GlobalTop = 10;

    /// <summary>Events per replay page measured: a client stepping through a session a screen at a time.</summary>
    private const int ReplayPageSize = 100;

    private const string PointReadBound = "1 point read of the view document, nothing else";

    /// <summary>
    /// The dwell-time view is split over part documents so that it stays bounded at any history (issue 19): its answer is
    /// paged, one point read of the root and one single-partition query of a page of parts (at most 64). The bound was
    /// one point read before the split, when the one document held every item ever seen (2.8 MB at 25,000 items).
    /// </summary>
    private const string DwellPageBound = "1 point read of the root + 1 single-partition query of one page of parts, nothing else";

    private sealed record ReadRow(string Read, Func<Task<CallResult>> Call, Func<CallResult, bool> Correct);

    private sealed class RowSamples
    {
        public List<double> Latencies { get; } = [];
        public List<HttpCost> Costs { get; } = [];
        public int Errors { get; set; }
        public int Wrong { get; set; }
    }

    /// <summary>GET …/dwell-time at each history length, once the dwell-time projector has caught up with the histories.</summary>
    private async Task DwellTimeReadsAsync(Dictionary<int, string[]> histories)
    {
        // Histories are built from version 1, so an inventory of length L is at version L once projected.
        await WaitVisibleAsync(histories.SelectMany(h => h.Value.Select(id => (id, (long)h.Key))).ToDictionary(x => x.id, x => x.Item2),
            "dwell-time catch-up", api.GetDwellTimeAsync);
        var lengths = histories.Keys.Order().ToArray();
        var rows = lengths.Select(length => new ReadRow(Invariant($"{length:N0} events"), NextOf(histories[length], api.GetDwellTimeAsync), r => r.Version == length)).ToList();
        var samples = await MeasureRowsAsync("GET /inventories/{id}/dwell-time", rows, _sizes.GetSamplesPerLength);
        for (var i = 0; i < rows.Count; i++)
            report.ViewReads.Add(ViewReadOf("GET /inventories/{id}/dwell-time", rows[i].Read, samples[i], DwellPageBound, IsDwellPage, "version = history length"));
    }

    /// <summary>GET /most-collected?top=10: the board every inventory of the run was counted into.</summary>
    private async Task GlobalMostCollectedReadsAsync()
    {
        var rows = new List<ReadRow> { new(Invariant($"top={GlobalTop}"), () => api.GetGlobalMostCollectedAsync(GlobalTop, _none), r => r.Ok) };
        var samples = await MeasureRowsAsync("GET /most-collected (global)", rows, _sizes.GetSamplesPerLength);
        report.ViewReads.Add(ViewReadOf("GET /most-collected?top=N (global)", rows[0].Read, samples[0], "1 point read of the board, nothing else", IsPointRead,
            "200 (the board's answer equals the oracle in GlobalMostCollectedTests)"));
    }

    /// <summary>
    /// Replay pages of <see cref="ReplayPageSize"/> events from the middle of the longest history: one starting just
    /// past a snapshot (its start state is the snapshot itself) and one starting interval − 1 events past it (the most
    /// events time travel folds before the page). Each answer is checked against a fold of the log's prefix.
    /// </summary>
    private async Task ReplayPagesAsync(Dictionary<int, string[]> histories)
    {
        var length = histories.Keys.Max();
        var id = histories[length][0];
        var interval = report.Run.SnapshotInterval ?? new InventoryFunctions.Cosmos.SnapshotOptions().Interval;
        var snapshot = length / 2 / interval * interval;
        var starts = new[] { snapshot + 1L, snapshot + interval }.Where(from => from + ReplayPageSize - 1 <= length).Distinct().ToList();
        if (starts.Count == 0)
            return;
        // Unmeasured: the log, to check the pages against.
        var log = await api.ReadAuditLogAsync(id, _none)
            ?? throw new InvalidOperationException($"replay: the audit log of {id} could not be read.");
        var rows = starts.Select(from => new ReadRow(
            Invariant($"fromVersion={from:N0}&toVersion={from + ReplayPageSize - 1:N0} (start: snapshot {snapshot:N0} + {from - 1 - snapshot} events)"),
            () => api.GetReplayAsync(id, from, from + ReplayPageSize - 1, _none), r => r.Ok)).ToList();
        var samples = await MeasureRowsAsync("GET /inventories/{id}/replay (page of 100)", rows, _sizes.TimeTravelSamples);

        // After the phase, so that its request counts are the pages' alone.
        var documentsBound = (interval - 1) + ReplayPageSize + 1;
        var bound = Invariant($"time travel to fromVersion − 1 (≤ 1 point read + 1 query of ≤ {interval - 1} events) + 1 query of the page ({ReplayPageSize} events + 1 to tell if there is a next): ≤ 1 point read, 2 queries, ≤ {documentsBound} documents");
        for (var i = 0; i < rows.Count; i++)
        {
            var from = starts[i];
            using var page = await api.ReadReplayAsync(id, from, from + ReplayPageSize - 1, _none);
            var same = page is not null && ReplayMatches(page.RootElement, log, from, from + ReplayPageSize - 1);
            report.ViewReads.Add(ViewReadOf("GET /inventories/{id}/replay", rows[i].Read, samples[i], bound,
                cost => cost.Of("events", "read") <= 1 && cost.Of("events", "query") == 2 && cost.Requests == cost.Of("events", "read") + 2 && cost.QueryDocuments <= documentsBound,
                same ? "start and every step = fold of the log's prefix" : "**a state differs from the fold of the log's prefix**"));
        }
    }

    /// <summary>The replay's start state and every step's state equal the fold of the log's prefix at that version.</summary>
    private static bool ReplayMatches(JsonElement page, List<RecordedEvent> log, long from, long to)
    {
        var state = Inventory.Fold(InventoryState.Empty, log.Take((int)(from - 1)));
        var start = page.GetProperty("start");
        if (start.GetProperty("version").GetInt64() != from - 1 || !SameItems(start.GetProperty("items"), state))
            return false;
        var version = from - 1;
        foreach (var step in page.GetProperty("events").EnumerateArray())
        {
            version++;
            state = Inventory.Evolve(state, log[(int)version - 1]);
            if (step.GetProperty("version").GetInt64() != version || !SameItems(step.GetProperty("items"), state))
                return false;
        }
        return version == to;
    }

    private static bool SameItems(JsonElement items, InventoryState state) =>
        items.EnumerateObject().Count() == state.Items.Count && items.EnumerateObject().All(p => state.QuantityOf(p.Name) == p.Value.GetInt32());

    private static bool IsPointRead(HttpCost cost) => cost.Requests == 1 && cost.Of("projections", "read") == 1;

    private static bool IsDwellPage(HttpCost cost) => cost.Of("projections", "read") == 1 && cost.Of("projections", "query") <= 1 && cost.Requests == 1 + cost.Of("projections", "query");

    /// <summary>Reads the inventories in turn, one per call.</summary>
    private Func<Task<CallResult>> NextOf(string[] ids, Func<string, CancellationToken, Task<CallResult>> read)
    {
        var next = 0;
        return () => read(ids[next++ % ids.Length], _none);
    }

    /// <summary>The rows read one at a time, interleaved round by round, as a phase; each read's cost taken from the ledger.</summary>
    private async Task<RowSamples[]> MeasureRowsAsync(string phase, IReadOnlyList<ReadRow> rows, int samples)
    {
        var results = rows.Select(_ => new RowSamples()).ToArray();
        await PhaseAsync(phase, "read", async () =>
        {
            var progress = Progress.Start(phase, samples * rows.Count);
            for (var round = 0; round < samples; round++)
            {
                for (var row = 0; row < rows.Count; row++)
                {
                    var mark = stack?.Ledger.MarkHttp();
                    var result = await rows[row].Call();
                    var cost = mark is null ? null : stack!.Ledger.Since(mark);
                    progress.Tick();
                    if (!result.Ok)
                    {
                        results[row].Errors++;
                        continue;
                    }
                    if (!rows[row].Correct(result))
                        results[row].Wrong++;
                    results[row].Latencies.Add(result.Milliseconds);
                    if (cost is not null)
                        results[row].Costs.Add(cost);
                }
            }
            progress.Finish(string.Join(", ", rows.Select((r, i) => Invariant($"p50 {LatencySummary.Of(results[i].Latencies).P50:0.0} ms at {r.Read}"))));
            return samples * rows.Count;
        });
        return results;
    }

    private static ViewRead ViewReadOf(string route, string read, RowSamples samples, string bound, Func<HttpCost, bool> withinBound, string check)
    {
        var costs = samples.Costs;
        var measured = costs.Count > 0;
        var byOperation = measured
            ? costs.SelectMany(c => c.ByOperation).GroupBy(kv => kv.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (double)g.Sum(kv => kv.Value) / costs.Count)
            : null;
        var verdict = !measured ? Verdict.NotMeasured : costs.All(withinBound) ? Verdict.Met : Verdict.Missed;
        var checkedText = samples.Wrong == 0 ? check : Invariant($"**{samples.Wrong} answers failed the check** ({check})");
        return new ViewRead(route, read, LatencySummary.Of(samples.Latencies, samples.Errors + samples.Wrong),
            measured ? costs.Average(c => c.Requests) : null, measured ? costs.Max(c => c.Requests) : null, byOperation,
            measured ? costs.Average(c => c.QueryDocuments) : null, measured ? costs.Max(c => c.QueryDocuments) : null,
            bound, verdict, checkedText);
    }
}
