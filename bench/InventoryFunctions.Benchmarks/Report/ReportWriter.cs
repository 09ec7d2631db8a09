using System.Globalization;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Benchmarks.Load;
using InventoryFunctions.Benchmarks.Stack;

namespace InventoryFunctions.Benchmarks.Report;

/// <summary>Writes report.md, the SVG charts and results.json.</summary>
public static class ReportWriter
{
    public const string ReportFile = "report.md";
    public const string HistoryChart = "reads-vs-history.svg";
    public const string AppendChart = "append-latency.svg";
    public const string ResultsFile = "results.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        IncludeFields = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>Azure Cosmos DB serverless, per million RU consumed (single-region list price; not read from a stored page: see the report's text).</summary>
    private const double ServerlessPerMillionRu = 0.25;

    /// <summary>Provisioned (manual) throughput, per 100 RU/s per hour (single-region list price; ~$24 a month for 400 RU/s).</summary>
    private const double ProvisionedPer100RuPerHour = 0.008;

    /// <summary>A million RU on provisioned throughput used fully: 100 RU/s for an hour is 360,000 RU.</summary>
    private const double ProvisionedPerMillionRu = ProvisionedPer100RuPerHour / (100 * 3600) * 1e6;

    public static void Write(BenchReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var targets = Targets.Evaluate(report);
        if (report.History.Count > 0)
            File.WriteAllText(Path.Combine(directory, HistoryChart), HistorySvg(report));
        if (report.Appends.Count > 0)
            File.WriteAllText(Path.Combine(directory, AppendChart), AppendSvg(report));
        File.WriteAllText(Path.Combine(directory, ReportFile), Markdown(report, targets));
        File.WriteAllText(Path.Combine(directory, ResultsFile), JsonSerializer.Serialize(new { report, targets }, Json));
    }

    public static string HistorySvg(BenchReport report)
    {
        var history = report.History.OrderBy(h => h.Length).ToList();
        var chart = new SvgChart
        {
            Title = "Read latency against history length",
            Subtitle = I($"{report.Run.Mode} run, {report.Run.Target}, {report.Run.StartedAt:yyyy-MM-dd}; both axes log scale"),
            XLabel = "events in the inventory's history (log scale)",
            YLabel = "latency, ms (log scale)",
            XLog = true,
            YLog = true,
            XTicks = [.. history.Select(h => (double)h.Length)],
        };
        chart.Series.Add(new Series("GET /inventories/{id} (projection) p50", "#1f77b4", [.. history.Select(h => ((double)h.Length, h.Get.P50))], Labels: true, LabelsBelow: true));
        chart.Series.Add(new Series("GET /inventories/{id} p95", "#1f77b4", [.. history.Select(h => ((double)h.Length, h.Get.P95))], Dashed: true));
        chart.Series.Add(new Series("naive replay (audit log + fold) p50", "#d62728", [.. history.Select(h => ((double)h.Length, h.Naive.P50))], Labels: true));
        chart.Series.Add(new Series("naive replay p95", "#d62728", [.. history.Select(h => ((double)h.Length, h.Naive.P95))], Dashed: true));
        return chart.Render();
    }

    public static string AppendSvg(BenchReport report)
    {
        var spread = report.Appends.Where(a => !a.Contended).OrderBy(a => a.Concurrency).ToList();
        var contended = report.Appends.Where(a => a.Contended).ToList();
        var chart = new SvgChart
        {
            Title = "Append latency against concurrency (POST …/items)",
            Subtitle = I($"{report.Run.Mode} run, {report.Run.Target}, {report.Run.StartedAt:yyyy-MM-dd}; x log scale"),
            XLabel = "concurrent clients (closed loop), log scale",
            YLabel = "latency, ms",
            XLog = true,
            XTicks = [.. spread.Select(a => (double)a.Concurrency).Concat(contended.Select(a => (double)a.Concurrency)).Distinct().Order()],
        };
        chart.Series.Add(new Series("p50, spread over inventories", "#2ca02c", [.. spread.Select(a => ((double)a.Concurrency, a.Latency.P50))], Labels: true, LabelsBelow: true));
        chart.Series.Add(new Series("p95", "#ff7f0e", [.. spread.Select(a => ((double)a.Concurrency, a.Latency.P95))]));
        chart.Series.Add(new Series("p99", "#d62728", [.. spread.Select(a => ((double)a.Concurrency, a.Latency.P99))], Labels: true));
        foreach (var a in contended)
        {
            chart.Series.Add(new Series(I($"one contended inventory, c={a.Concurrency}: p50"), "#9467bd", [((double)a.Concurrency, a.Latency.P50)], Line: false));
            chart.Series.Add(new Series(I($"one contended inventory, c={a.Concurrency}: p99"), "#8c564b", [((double)a.Concurrency, a.Latency.P99)], Line: false));
        }
        return chart.Render();
    }

    private static string Markdown(BenchReport report, IReadOnlyList<TargetResult> targets)
    {
        var run = report.Run;
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');

        Line("# Benchmark report");
        Line();
        Line(I($"Generated by `{run.CommandLine}` on {run.StartedAt:yyyy-MM-dd HH:mm} UTC ({(run.FinishedAt - run.StartedAt).TotalSeconds:0} s), commit {run.Commit}, against {run.Target}. ")
            + "How to run it and what each number means: [README.md](README.md). Raw numbers: [results.json](results.json).");
        Line();
        if (run.Local)
        {
            Line("> **Local numbers are not Azure numbers.** The Cosmos DB here is the local dev server, a JavaScript in-memory");
            Line("> stand-in (`tools/devstack`), and the app, the load generator, the dev server and Azurite share this machine's cores.");
            Line("> Read the shapes, the ratios and the request counts; absolute latencies on Azure Cosmos DB differ.");
            Line();
        }

        Line("## Targets");
        Line();
        Line("| target | measured | result |");
        Line("|---|---|---|");
        foreach (var t in targets)
            Line($"| {t.Target} | {t.Measured} | {(t.Verdict switch { Verdict.Met => "**met**", Verdict.Missed => "**missed**", _ => "not measured" })} |");
        Line();
        foreach (var t in targets.Where(t => t.Verdict == Verdict.Missed && t.Why is not null))
            Line($"- **{t.Target}: missed.** {t.Why}");
        if (targets.Any(t => t.Verdict == Verdict.Missed))
            Line();

        Line("## Machine and settings");
        Line();
        var m = run.Machine;
        Line("| | |");
        Line("|---|---|");
        Line($"| machine | {m.Cores} cores ({m.Cpu}), {m.MemoryGiB:0.#} GiB |");
        Line($"| OS | {m.Os} ({m.Kernel}) |");
        Line($"| .NET | {m.DotNet}{(m.DotNetSdk is null ? "" : $", SDK {m.DotNetSdk}")}, workstation GC |");
        Line($"| Node.js | {m.Node ?? "not found"} |");
        if (run.Load is { } load)
        {
            Line(I($"| CPU used by other processes | {load.OthersCpu:P0} of the machine over the run, at most {load.OthersCpuMaxPhase:P0} in a phase (this benchmark with its dev server and Azurite: {load.OwnCpu:P0}) |"));
            Line(I($"| load average (1 min) | {load.Start:0.0} at start, mean {load.Mean:0.0}, max {load.Max:0.0}, {load.End:0.0} at the end, on {load.Cores} cores (it counts the benchmark's own threads) |"));
        }
        Line($"| mode | `{run.Mode}` |");
        Line($"| target | {run.Target} |");
        if (run.Local)
            Line(I($"| change-feed poll delay | {run.PollDelayMs:N0} ms (`LocalHost:FeedPollDelayMs`; the trigger's `FeedPollDelay` otherwise) |"));
        else
            Line(I($"| change-feed poll delay | taken as {run.PollDelayMs:N0} ms (the trigger's `FeedPollDelay`) for the lag target |"));
        if (run.SnapshotInterval is { } interval)
            Line(I($"| snapshot interval | every {interval:N0} events |"));
        var s = run.Sizes;
        Line(I($"| samples | appends {string.Join(", ", s.SpreadAppends.Select(a => $"{a.Appends:N0} at c={a.Concurrency}"))} ({s.InventoriesPerWorker} {(s.InventoriesPerWorker == 1 ? "inventory" : "inventories")} per client); {s.ContendedAppends:N0} on one inventory at c={s.ContendedConcurrency}; cold/warm {s.ColdWarmInventories} inventories; ")
            + I($"histories {string.Join(", ", s.HistoryLengths.Zip(s.InventoriesPerLength).Select(x => $"{x.Second}×{x.First:N0}"))} events; GET {s.GetSamplesPerLength:N0} per length; naive {string.Join("/", s.NaiveSamplesPerLength)} per length; time travel {s.TimeTravelSamples:N0} per version; lag {s.LagSamples} samples on {s.LagLanes} inventories |"));
        Line($"| run id | `{run.RunId}` (inventory ids `bench-{run.RunId}-…`) |");
        Line();

        if (report.Appends.Count > 0)
        {
            Line("## Appends (POST /api/inventories/{id}/items)");
            Line();
            Line("Closed loop: each client sends its next request when the previous one answered. \"Spread\" runs give every client its own "
                + "inventories (no contention); each inventory got one unmeasured append first, so these are warm appends (cold ones are below). "
                + "The contended run puts every client on one inventory: each lost race costs the app a 412 and a reload inside the request, "
                + "and after 10 lost races in a row the request answers 503 `too-much-contention` (counted under errors; latencies are of the successes).");
            Line();
            Line($"![append latency against concurrency]({AppendChart})");
            Line();
            Line("| run | inventories | appends | throughput | p50 | p95 | p99 | max | errors | Cosmos requests per append |");
            Line("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
            foreach (var a in report.Appends)
            {
                var errors = a.Statuses.Where(kv => kv.Key is < 200 or >= 300).ToList();
                Line(I($"| {a.Label} | {a.Inventories:N0} | {a.Appends:N0} | {a.PerSecond:N0}/s | {Ms(a.Latency.P50)} ms | {Ms(a.Latency.P95)} ms | {Ms(a.Latency.P99)} ms | {Ms(a.Latency.Max)} ms | ")
                    + (errors.Count == 0 ? "0" : string.Join(", ", errors.Select(e => I($"{(e.Key == 0 ? "exception" : e.Key.ToString(CultureInfo.InvariantCulture))}×{e.Value}"))))
                    + $" | {Per(a.CosmosRequestsPerAppend)} |");
            }
            Line();
        }

        if (report.ColdWarm.Count > 0)
        {
            Line("### Cold and warm appends");
            Line();
            Line(run.Local
                ? "One request at a time, so each append's Cosmos round trips (all requests the app made while serving it) are exact. "
                  + "\"Existing inventory, head not cached\": the same inventories after the app's head cache was cleared, as on a new or restarted instance."
                : "One request at a time; Cosmos round trips are not available against a base URL.");
            Line();
            Line("| append | n | p50 | p95 | round trips per append (mean) | max | by operation (per append) |");
            Line("|---|---:|---:|---:|---:|---:|---|");
            foreach (var k in report.ColdWarm)
            {
                var ops = k.ByOperation is null || k.Latency.Count == 0 ? "n/a"
                    : string.Join(", ", k.ByOperation.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => I($"{o.Key} {(double)o.Value / k.Latency.Count:0.##}")));
                Line(I($"| {k.Kind} | {k.Latency.Count} | {Ms(k.Latency.P50)} ms | {Ms(k.Latency.P95)} ms | {Per(k.MeanRequests)} | {(k.MaxRequests is { } max ? max.ToString(CultureInfo.InvariantCulture) : "n/a")} | {ops} |"));
            }
            Line();
        }

        if (report.AppendBytes.Count > 0)
        {
            Line("### Bytes per append against items held");
            Line();
            Line("Warm one-event appends (`POST …/items`, one unit more of an item already held) to inventories holding 10, 100 and the most "
                + "distinct items allowed, item ids of 12 characters; bytes of the append's transactional batch at the HTTP instance's "
                + "proxy (headers as HTTP/1.1 frames them). The head is patched with what the events change, so what an append sends "
                + "does not grow with the items held. The snapshot (the whole state) is created with the event that reaches a multiple "
                + "of the interval: its extra bytes spread over the interval's appends. A new or restarted instance loads the whole "
                + "state once (one query of the head and its item shards), then keeps it. Cosmos DB charges a write, a patch too, by the size "
                + "of the document it stores: a sharded head keeps what an append rewrites small (request units below).");
            Line();
            Line("| items held | sent (body + headers) | received (body + headers) | snapshot append sent (body) | snapshot bytes per append (amortized) | cold head load (body) |");
            Line("|---:|---:|---:|---:|---:|---:|");
            foreach (var b in report.AppendBytes)
                Line(I($"| {b.Held:N0} | {b.SentBody:N0} B + {b.SentHeaders:N0} B | {b.ReceivedBody:N0} B + {b.ReceivedHeaders:N0} B | {b.SnapshotAppendSentBody:N0} B | {b.SnapshotBytesPerAppend:N0} B (every {b.SnapshotInterval:N0}) | {b.ColdHeadReadBody:N0} B |"));
            Line();
        }

        if (report.Costs.Count > 0)
        {
            Line("### Request units per operation (modelled)");
            Line();
            Line("Request units as the local dev server models them (`tools/devstack/cosmos/charges.js`: by operation, document size and the values "
                + "infra's indexing policy indexes; calibrated on Microsoft's, CosmosSQLCalipers' and DP-420's published figures, each reproduced within "
                + "±30 % by `RequestChargeTests`), summed over the HTTP instance's Cosmos requests for one call, mean of the samples. Prices of a million "
                + I($"operations: serverless at ${ServerlessPerMillionRu:0.00} per million RU; provisioned at ${ProvisionedPer100RuPerHour:0.000} per 100 RU/s per hour, ")
                + "used fully (1 RU/s for an hour is 3,600 RU, so a million RU cost $0.022; idle capacity is billed too). These are Azure's single-region "
                + "list prices as last published to this project's knowledge, not read from a stored page on the day of the run: check the Azure pricing "
                + "page for your region and date. Formula: RU per operation × price per RU × 1,000,000.");
            Line();
            Line("| operation | RU | Cosmos requests | samples | serverless, per million | provisioned (fully used), per million |");
            Line("|---|---:|---|---:|---:|---:|");
            foreach (var c in report.Costs)
                Line(I($"| {c.Operation} | {c.RequestUnits:N1} | {c.Requests} | {c.Samples} | ${c.RequestUnits * ServerlessPerMillionRu:N2} | ${c.RequestUnits * ProvisionedPerMillionRu:N2} |"));
            Line();
        }

        if (report.Idle.Count > 0)
        {
            Line("### Idle: what each change-feed function spends with nothing to project");
            Line();
            Line("Each function's own app instance over a quiet window: its change-feed polls (304, 1 RU each) and lease requests (the lease container keeps "
                + "the default /* index), scaled to an hour; serverless price at the rate above.");
            Line();
            Line("| function | window | requests | RU | RU per hour | serverless per month (730 h) |");
            Line("|---|---:|---:|---:|---:|---:|");
            foreach (var i in report.Idle)
                Line(I($"| {i.Function} | {i.Seconds:N0} s | {i.Requests:N0} | {i.RequestUnits:N1} | {i.PerHour:N0} | ${i.PerHour * 730 * ServerlessPerMillionRu / 1e6:N2} |"));
            Line();
        }

        if (report.History.Count > 0)
        {
            var history = report.History.OrderBy(h => h.Length).ToList();
            var first = history[0];
            Line("## Reads against history length");
            Line();
            Line("`GET /api/inventories/{id}` reads the projection (one point read in the app). The naive read is the tutorial's replay for the same "
                + I($"inventories: every event through the audit log (`GET …/events`, {TimedApiClient.AuditPageSize:N0} a page; one single-partition query per page in the app), ")
                + "folded on the client with `Inventory.Fold`. Lengths are interleaved round by round. Ratios are to the same read's figure at "
                + I($"{first.Length:N0} events."));
            Line();
            Line($"![read latency against history length]({HistoryChart})");
            Line();
            Line("| events | inventories | GET p50 | GET p95 | GET p99 | GET p50 ratio | Cosmos requests per GET | naive p50 | naive p95 | naive p50 ratio | pages per naive read | Cosmos requests per naive read | replay = projection |");
            Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var h in history)
            {
                Line(I($"| {h.Length:N0} | {h.Inventories} | {Ms(h.Get.P50)} ms | {Ms(h.Get.P95)} ms | {Ms(h.Get.P99)} ms | {h.Get.P50 / first.Get.P50:0.00}× | ")
                    + I($"{Per(h.GetRequestsMean)}{(h.GetRequestsMax is { } gm ? $" (max {gm})" : "")} | {Ms(h.Naive.P50)} ms | {Ms(h.Naive.P95)} ms | {h.Naive.P50 / first.Naive.P50:0.0}× | {h.NaivePagesMean:0.#} | {Per(h.NaiveRequestsMean)} | ")
                    + (h.NaiveMatchesProjection switch { true => "yes", false => "**no**", null => "n/a" }) + " |");
            }
            Line();
            Line(I($"Samples: GET {history[0].Get.Count:N0} per length; naive {string.Join(" / ", history.Select(h => h.Naive.Count))}. ")
                + (history.Any(h => h.Get.Errors + h.Naive.Errors > 0) ? I($"Errors: {string.Join(", ", history.Select(h => $"{h.Get.Errors + h.Naive.Errors} at {h.Length:N0}"))}.") : "No errors."));
            Line();
            if (report.Build is { } b)
            {
                Line(I($"The histories ({b.Events:N0} events in {b.Posts:N0} `POST …/events` of up to {Sizes.EventsPerHistoryPost}) took {b.BuildSeconds:0.0} s to append; ")
                    + I($"the projection caught up {b.CatchUpSeconds:0.0} s after the last append ({b.ProjectedEventsPerSecond:N0} events/s end to end)")
                    + (b.Errors > 0 ? I($"; {b.Errors} posts failed") : "") + ".");
                Line();
            }
        }

        if (report.TimeTravel is { } tt)
        {
            Line("## Time travel");
            Line();
            Line(I($"`GET /api/inventories/{{id}}/state?atVersion=N` and `?asOf=<instant>` on the {tt.HistoryLength:N0}-event inventory built above (`{tt.InventoryId}`), ")
                + I($"snapshot interval {tt.SnapshotInterval:N0}{(tt.SnapshotIntervalAssumed ? " (assumed: the app default; the deployed app's setting is not visible from here)" : " (the app default, `SnapshotInterval`)")}. ")
                + "`atVersion` reads the snapshot at the last multiple of the interval at or below N (one point read; none below the first snapshot) and folds the events after it "
                + "from one single-partition query; `asOf` finds the latest snapshot at or before the instant by query, then reads the events after it. "
                + "Rows are interleaved round by round, one read at a time, so each read's Cosmos requests (the app's, made while serving it, counted as for the GET above) "
                + "and the documents its queries returned (`x-ms-item-count`: events replayed, plus the snapshot for `asOf`) are exact. "
                + I($"Version {(tt.HistoryLength + 1L) / tt.SnapshotInterval * tt.SnapshotInterval - 1:N0} is added to the issue's versions as the worst case: it replays interval − 1 events."));
            Line();
            var replays = tt.Reads.Where(r => r.Kind == TimeTravelKinds.AtVersion).Select(r => r.Version % tt.SnapshotInterval).Distinct().Order().ToList();
            if (run.Local)
            {
                Line(I($"Locally the dev server evaluates each query in JavaScript over every document of the inventory's partition, with no index (here {tt.HistoryLength:N0} events and {tt.HistoryLength / tt.SnapshotInterval:N0} snapshots), ")
                    + "so a query costs about the same whatever it returns and these latencies are mostly that evaluation, not the events replayed: compare the rows that replay "
                    + I($"{Words(replays.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} events; `asOf` makes two queries. The request counts and documents returned are what carries over: on Azure Cosmos DB ")
                    + "the query is served by the index on `version`, and its cost follows what it reads and returns.");
                Line();
            }
            Line("| read | samples | p50 | p95 | p99 | Cosmos requests per read (mean / max) | by operation (per read) | documents returned per read, mean (max) | expected at this version | bound | result | state = fold of the log's prefix |");
            Line("|---|---:|---:|---:|---:|---:|---|---:|---|---|---|---|");
            foreach (var r in tt.Reads)
            {
                var read = r.AsOf is { } asOf
                    ? I($"`asOf={asOf.UtcDateTime:O}` → version {r.Version:N0}")
                    : I($"`atVersion={r.Version:N0}`");
                if (r.Remark is not null)
                    read += $" ({r.Remark})";
                var requests = r.RequestsMean is { } mean ? I($"{mean:0.00} / {r.RequestsMax}") : "n/a";
                var documents = r.DocumentsMean is { } dm ? I($"{dm:0.#} ({r.DocumentsMax:N0})") : "n/a";
                var verdict = r.WithinBound switch { Verdict.Met => "**met**", Verdict.Missed => "**missed**", _ => "not measured" };
                Line(I($"| {read} | {r.Latency.Count:N0} | {Ms(r.Latency.P50)} ms | {Ms(r.Latency.P95)} ms | {Ms(r.Latency.P99)} ms | {requests} | {Targets.Operations(r.ByOperation)} | {documents} | {r.Expected} | {r.Bound} | {verdict} | ")
                    + (r.MatchesLog switch { true => "yes", false => "**no**", null => "n/a" }) + " |");
            }
            Line();
            var errors = tt.Reads.Where(r => r.Latency.Errors > 0).ToList();
            Line(I($"Samples: {tt.Samples:N0} per read. ")
                + (errors.Count == 0 ? "No errors; every answer had the version asked for."
                    : "Errors: " + string.Join(", ", errors.Select(r => I($"{r.Latency.Errors} at {(r.AsOf is null ? $"version {r.Version:N0}" : "asOf")}{(r.WrongVersion > 0 ? $" ({r.WrongVersion} with a different version)" : "")}"))) + "."));
            Line();
        }

        if (report.ViewReads.Count > 0)
        {
            Line("## Reads of the other views");
            Line();
            Line("The dwell-time view at each history length, the global most-collected board, and replay pages from the middle of the longest history "
                + "(a page asked just past a snapshot, and one whose start is the most events past a snapshot). One read at a time, rows interleaved "
                + "round by round, so each read's Cosmos requests (the app's, made while serving it) and the documents its queries returned are exact.");
            Line();
            Line("| read | samples | p50 | p95 | p99 | Cosmos requests per read (mean / max) | by operation (per read) | documents returned per read, mean (max) | bound | result | answers checked |");
            Line("|---|---:|---:|---:|---:|---:|---|---:|---|---|---|");
            foreach (var r in report.ViewReads)
            {
                var requests = r.RequestsMean is { } mean ? I($"{mean:0.00} / {r.RequestsMax}") : "n/a";
                var documents = r.DocumentsMean is { } dm ? I($"{dm:0.#} ({r.DocumentsMax:N0})") : "n/a";
                Line(I($"| `{r.Route}` {r.Read} | {r.Latency.Count:N0} | {Ms(r.Latency.P50)} ms | {Ms(r.Latency.P95)} ms | {Ms(r.Latency.P99)} ms | {requests} | {Targets.Operations(r.ByOperation)} | {documents} | {r.Bound} | {Result(r.WithinBound)} | {r.Checked} |"));
            }
            Line();
        }

        if (report.Lag is not null || report.Projectors.Count > 0)
        {
            Line("## Projection");
            Line();
            if (report.Lag is { } lag)
            {
                Line(I($"Lag = append acknowledged → `GET /inventories/{{id}}` shows the new version, polling every ~{lag.PollEveryMs} ms, on {lag.Lanes} inventories at once; ")
                    + I($"each waits a random 0–{lag.PollDelayMs:N0} ms before its next append so that appends land anywhere in the poll cycle."));
                Line();
                Line("| samples | p50 | p95 | p99 | max | timeouts | poll delay |");
                Line("|---:|---:|---:|---:|---:|---:|---:|");
                Line(I($"| {lag.Lag.Count} | {lag.Lag.P50:N0} ms | {lag.Lag.P95:N0} ms | {lag.Lag.P99:N0} ms | {lag.Lag.Max:N0} ms | {lag.Timeouts} | {lag.PollDelayMs:N0} ms |"));
                Line();
            }
            if (report.Projectors.Count > 0)
            {
                Line("Projector cost over the whole run, per view. Each change-feed function runs alone in an app instance of its own, behind its own counting "
                    + "proxy, so its change-feed pages and requests are its own. An inventory-batch is one inventory with events in one change-feed page (a "
                    + "shard-batch, one global shard those inventories hash to); the function's requests until the next page are that page's. "
                    + "Reads are point reads and queries of the view's documents (for the global board: the shards' watermark-and-counter queries, the board's "
                    + "point read, the cross-partition query over the buckets and its query plan); writes include transactional batches.");
                Line();
                Line("| view (function) | change-feed batches | documents | inventory-batches | reads | writes | gap-fill queries | requests per inventory per batch | worst batch | per shard touched (worst batch) | change-feed reads (incl. empty polls) | lease requests | RU per inventory per batch | RU per document delivered |");
                Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var p in report.Projectors)
                {
                    var reads = p.Of(ProjectorLedger.ViewRead) + p.Of(ProjectorLedger.ViewQuery) + p.Of(ProjectorLedger.QueryPlan)
                        + p.Of(ProjectorLedger.ShardQuery) + p.Of(ProjectorLedger.BoardRead) + p.Of(ProjectorLedger.BoardQuery);
                    var writes = p.Of(ProjectorLedger.ViewWrite) + p.Of(ProjectorLedger.ShardWrite) + p.Of(ProjectorLedger.BoardWrite);
                    var perShard = p.PerShardMean is { } shard ? I($"{shard:0.00} ({p.PerShardWorstBatch:0.00})") : "—";
                    Line(I($"| {p.Function} | {p.Batches:N0} | {p.Documents:N0} | {p.InventoryBatches:N0} | {reads:N0} | {writes:N0} | {p.Of(ProjectorLedger.GapFill):N0} | {p.PerInventoryMean:0.00} | {p.PerInventoryWorstBatch:0.00} | {perShard} | {p.ChangeFeedReads:N0} | {p.LeaseRequests:N0} | {p.RequestUnitsPerInventoryBatch:N1} | {p.RequestUnitsPerDocument:N2} |"));
                }
                Line();
                Line("By kind, over the run (and the most in one batch):");
                Line();
                foreach (var p in report.Projectors)
                {
                    Line(I($"- {p.Function}: ") + (p.ByKind.Count == 0 ? "none"
                        : string.Join(", ", p.ByKind.Select(kv => I($"{kv.Key} {kv.Value:N0} ({p.MaxOf(kv.Key)})"))))
                        + (p.OutsideBatches > 0 ? I($"; {p.OutsideBatches:N0} before its first page") : ""));
                }
                Line();
            }
        }

        if (report.CosmosPhases.Count > 0)
        {
            Line("## Cosmos DB requests per phase");
            Line();
            Line("Counted at the wire by each app instance's proxy (reset before each phase, read after it), under the operation names of the app's `CosmosRequestMetrics`: requests and request charge by operation, all origins. "
                + "The last two columns split the same requests by origin (the HTTP instance vs the background: the projector instances' change feeds, projectors and leases) and container, per unit of the phase. "
                + (run.Local ? "The dev server reports a constant request charge, so RU here count requests, not cost." : ""));
            Line();
            Line("| phase | units | all origins: requests (RU) | HTTP functions, per unit | background, per unit |");
            Line("|---|---:|---|---|---|");
            foreach (var phase in report.CosmosPhases)
            {
                var metrics = string.Join(", ", phase.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => I($"{kv.Key} {kv.Value.Requests:N0} ({kv.Value.RequestCharge:N0})")));
                Line(I($"| {phase.Phase} | {phase.Operations:N0} {phase.Unit}s | {metrics} | {PerUnit(phase.Http, phase.Operations)} | {PerUnit(phase.Background, phase.Operations)} |"));
            }
            Line();
        }

        if (report.Micro.Count > 0)
        {
            Line("## Micro-benchmarks (BenchmarkDotNet, `[MemoryDiagnoser]`)");
            Line();
            Line(I($"In process (`InProcessEmitToolchain`), {run.Sizes.MicroWarmups} warm-up and {run.Sizes.MicroIterations} measured iterations of {run.Sizes.MicroIterationMs} ms each per benchmark")
                + (run.Mode == "short" ? " — a short job: means are indicative (a few % error), allocations are exact." : "."));
            Line();
            Line("| group | benchmark | mean | ± std. error | allocated per op | Gen0 per 1,000 ops |");
            Line("|---|---|---:|---:|---:|---:|");
            foreach (var r in report.Micro)
                Line(I($"| {r.Group} | {r.Name} | {Ns(r.MeanNs)} | {Ns(r.StdErrNs)} | {(r.AllocatedBytes is { } bytes ? $"{bytes:N0} B" : "n/a")} | {(r.Gen0Per1000 is { } g ? g.ToString("0.###", CultureInfo.InvariantCulture) : "n/a")} |"));
            Line();
        }

        if (report.LocalHost is { } host)
        {
            Line("## The local Functions host");
            Line();
            Line("The app runs as its real worker process under `src/InventoryFunctions.LocalHost` (gRPC to the worker, HTTP forwarded to its Kestrel). "
                + "A function cannot be called at the worker without its InvocationRequest, so the hop is shown as a 404 that the worker's Kestrel "
                + "answers itself, next to the same 404 answered by the host.");
            Line();
            Line("| what | samples | p50 (ms) | p95 (ms) |");
            Line("|---|---:|---:|---:|");
            Line(I($"| cold start: new host + worker process to the first 200 of `/api/health` | {host.ColdStart.Count} | {host.ColdStart.P50:N0} | {host.ColdStart.P95:N0} |"));
            Line(I($"| `GET /api/health` through the host (invocation over gRPC + forwarded request + 1 Cosmos read) | {host.HealthViaHost.Count} | {host.HealthViaHost.P50:N2} | {host.HealthViaHost.P95:N2} |"));
            Line(I($"| `GET /api/no-such-function` answered by the host (404) | {host.NotFoundFromHost.Count} | {host.NotFoundFromHost.P50:N2} | {host.NotFoundFromHost.P95:N2} |"));
            Line(I($"| `GET /api/no-such-function` straight at the worker's Kestrel (404): one loopback HTTP hop | {host.NotFoundFromWorker.Count} | {host.NotFoundFromWorker.P50:N2} | {host.NotFoundFromWorker.P95:N2} |"));
            Line();
        }
        if (report.Notes.Count > 0)
        {
            Line("## Notes");
            Line();
            foreach (var note in report.Notes)
                Line("- " + note);
            Line();
        }
        return md.ToString();
    }

    private static string PerUnit(IReadOnlyDictionary<string, long> counts, int units) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => I($"{kv.Key} {(units == 0 ? kv.Value : (double)kv.Value / units):0.###}")));

    private static string Words(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : string.Join(", ", list[..^1]) + " and " + list[^1];
    }

    private static string Result(Verdict verdict) => verdict switch { Verdict.Met => "**met**", Verdict.Missed => "**missed**", _ => "not measured" };

    private static string Per(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    private static string Ms(double ms) => double.IsFinite(ms) ? SvgChart.Milliseconds(ms) : "n/a";

    private static string Ns(double ns) => !double.IsFinite(ns) ? "n/a"
        : ns >= 1_000_000 ? I($"{ns / 1_000_000:0.00} ms")
        : ns >= 1_000 ? I($"{ns / 1_000:0.00} µs")
        : I($"{ns:0.0} ns");

    private static string I(FormattableString text) => FormattableString.Invariant(text);
}
