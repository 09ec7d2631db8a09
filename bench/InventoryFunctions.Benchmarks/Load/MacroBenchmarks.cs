using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using InventoryFunctions.Benchmarks.Report;
using InventoryFunctions.Benchmarks.Stack;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>
/// The load phases against the app over HTTP: appends at several concurrencies, cold and warm appends, reads of the
/// projection next to the naive replay at several history lengths, time travel, and the projection lag. With the local stack,
/// each phase also records the Cosmos requests the app made (the app's <c>CosmosRequestMetrics</c>, reset before
/// the phase and read after it) and their split by origin (<see cref="RequestLedger"/>).
/// </summary>
public sealed partial class MacroBenchmarks(BenchOptions options, TimedApiClient api, BenchStack? stack, BenchReport report, LoadSampler load)
{
    private const int Items = 20;
    private const int LagPollEveryMs = 20;
    private static readonly TimeSpan LagTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The versions issue 5 asks time travel to be measured at (those beyond the longest history are left out).</summary>
    private static readonly long[] TimeTravelVersions = [10, 1_000, 10_000];

    private readonly Sizes _sizes = options.Sizes;
    private readonly CancellationToken _none = CancellationToken.None;

    public async Task RunAsync()
    {
        await WarmUpAsync();
        foreach (var (concurrency, appends) in _sizes.SpreadAppends)
            await SpreadAppendsAsync(concurrency, appends);
        await ContendedAppendsAsync();
        await ColdAndWarmAppendsAsync();
        if (stack is not null)
        {
            report.AppendBytes.AddRange(await new AppendBytesBenchmark(api, stack, Id).RunAsync());
            await new CostBenchmark(api, stack, Id, report).RunAsync();
        }
        var histories = await BuildHistoriesAsync();
        await ProjectionReadsAsync(histories);
        await NaiveReadsAsync(histories);
        await TimeTravelAsync(histories);
        await DwellTimeReadsAsync(histories);
        await GlobalMostCollectedReadsAsync();
        await ReplayPagesAsync(histories);
        await LagAsync();
        if (stack is not null)
        {
            report.Projectors.AddRange(stack.Ledger.Projectors.OrderBy(p => p.Shape).ThenByDescending(p => p.Function, StringComparer.Ordinal).Select(ProjectorCostOf));
            report.LocalHost = await HostBenchmarks.RunAsync(stack, coldStarts: 3, requests: 200);
        }
    }

    private async Task WarmUpAsync()
    {
        Console.WriteLine("==> warm-up (not measured)");
        var ids = Enumerable.Range(0, 4).Select(i => Id($"warm-{i}")).ToArray();
        var n = _sizes.WarmupRequests;
        await ClosedLoopAsync("warm-up appends", n, ids.Length, (worker, local) => api.AddItemAsync(ids[worker], Item(local), 1, _none));
        await WaitVisibleAsync(ids.ToDictionary(id => id, _ => 1L), "warm-up projection");
        await ClosedLoopAsync("warm-up reads", n, ids.Length, (worker, _) => api.GetInventoryAsync(ids[worker], _none));
        for (var i = 0; i < 5; i++)
            await api.NaiveReplayAsync(ids[0], _none);
    }

    /// <summary>Appends spread over many inventories (each worker has its own), so that they do not contend.</summary>
    private async Task SpreadAppendsAsync(int concurrency, int appends)
    {
        var perWorker = _sizes.InventoriesPerWorker;
        var inventories = Enumerable.Range(0, concurrency)
            .Select(w => Enumerable.Range(0, perWorker).Select(i => Id($"c{concurrency}-w{w}-{i}")).ToArray()).ToArray();
        // One untimed append per inventory first, so the measured appends are warm (cold ones are measured apart).
        await PrimeAsync(inventories.SelectMany(x => x).ToArray(), concurrency);

        var label = $"appends c={concurrency}";
        await PhaseAsync(label, "append", async () =>
        {
            var loop = await ClosedLoopAsync(label, appends, concurrency,
                (worker, local) => api.AddItemAsync(inventories[worker][local % perWorker], Item(local), 1, _none));
            report.Appends.Add(new AppendRun(label, concurrency, concurrency * perWorker, Contended: false, loop.Succeeded, loop.Seconds,
                loop.Succeeded / loop.Seconds, loop.Latency, loop.Statuses, PerOperation(stack?.Ledger.Phase.Http, loop.Succeeded)));
            return loop.Succeeded;
        });
    }

    /// <summary>Every worker appends to the same inventory: each lost race costs the app a 412 and a reload.</summary>
    private async Task ContendedAppendsAsync()
    {
        var concurrency = _sizes.ContendedConcurrency;
        var id = Id("contended");
        await PrimeAsync([id], 1);
        var label = $"appends c={concurrency}, one inventory";
        await PhaseAsync(label, "append", async () =>
        {
            var loop = await ClosedLoopAsync(label, _sizes.ContendedAppends, concurrency, (_, local) => api.AddItemAsync(id, Item(local), 1, _none));
            report.Appends.Add(new AppendRun(label, concurrency, 1, Contended: true, loop.Succeeded, loop.Seconds,
                loop.Succeeded / loop.Seconds, loop.Latency, loop.Statuses, PerOperation(stack?.Ledger.Phase.Http, loop.Succeeded)));
            return loop.Succeeded;
        });
    }

    /// <summary>
    /// One at a time, so each append's round trips are exact: the first command on new inventories (cold), a second
    /// one (warm), and, locally, a first command after the app forgot its cached heads (cold, existing inventory).
    /// </summary>
    private async Task ColdAndWarmAppendsAsync()
    {
        var ids = Enumerable.Range(0, _sizes.ColdWarmInventories).Select(i => Id($"cold-{i}")).ToArray();
        await MeasureKindAsync("cold: first command on a new inventory", ids, "cold appends (new inventories)");
        await MeasureKindAsync("warm: inventory seen before", ids, "warm appends");
        if (stack is not null)
        {
            await stack.ForgetCachedHeadsAsync();
            await MeasureKindAsync("cold: existing inventory, head not cached (new or restarted instance)", ids, "cold appends (existing inventories)");
        }
    }

    private async Task MeasureKindAsync(string kind, string[] ids, string phase)
    {
        await PhaseAsync(phase, "append", async () =>
        {
            var progress = Progress.Start(phase, ids.Length);
            var latencies = new List<double>();
            var requests = new List<long>();
            var errors = 0;
            foreach (var id in ids)
            {
                var before = stack?.Ledger.HttpTotal ?? 0;
                var result = await api.AddItemAsync(id, "item-0", 1, _none);
                var after = stack?.Ledger.HttpTotal ?? 0;
                if (result.Ok)
                {
                    latencies.Add(result.Milliseconds);
                    requests.Add(after - before);
                }
                else
                {
                    errors++;
                }
                progress.Tick();
            }
            var latency = LatencySummary.Of(latencies, errors);
            progress.Finish(Invariant($"p50 {latency.P50:0.0} ms"));
            var byOperation = stack?.Ledger.Phase.Requests.Where(kv => kv.Key.Origin == Origin.Http)
                .ToDictionary(kv => $"{kv.Key.Container} {kv.Key.Operation}", kv => kv.Value);
            report.ColdWarm.Add(new AppendKind(kind, latency,
                stack is null || requests.Count == 0 ? null : requests.Average(),
                stack is null || requests.Count == 0 ? null : requests.Max(),
                byOperation));
            return ids.Length;
        });
    }

    /// <summary>Histories of each length built with POST …/events batches of 50, then waited on until projected.</summary>
    private async Task<Dictionary<int, string[]>> BuildHistoriesAsync()
    {
        var plan = _sizes.HistoryLengths.Zip(_sizes.InventoriesPerLength)
            .ToDictionary(x => x.First, x => Enumerable.Range(0, x.Second).Select(i => Id($"h{x.First}-{i}")).ToArray());
        var totalEvents = plan.Sum(p => p.Key * p.Value.Length);
        var acknowledged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var posts = 0;
        var errors = 0;
        double buildSeconds = 0, catchUpSeconds = 0;
        await PhaseAsync("history build + projection catch-up", "event", async () =>
        {
            var progress = Progress.Start("history build", totalEvents, " events");
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(plan.SelectMany(p => p.Value.Select(id => (Length: p.Key, Id: id))).Select(h => Task.Run(async () =>
            {
                for (var from = 0; from < h.Length; from += Sizes.EventsPerHistoryPost)
                {
                    var count = Math.Min(Sizes.EventsPerHistoryPost, h.Length - from);
                    var result = await api.AppendEventsAsync(h.Id, HistoryEvents(from, count), _none);
                    Interlocked.Increment(ref posts);
                    if (result.Ok)
                        acknowledged[h.Id] = result.Version;
                    else
                        Interlocked.Increment(ref errors);
                    progress.Tick(count);
                }
            })));
            buildSeconds = progress.Finish(errors == 0 ? null : $"{errors} failed posts").TotalSeconds;
            await WaitVisibleAsync(acknowledged, "projection catch-up");
            catchUpSeconds = clock.Elapsed.TotalSeconds - buildSeconds;
            return totalEvents;
        });
        report.Build = new HistoryBuild(totalEvents, posts, buildSeconds, catchUpSeconds, totalEvents / (buildSeconds + catchUpSeconds), errors);
        return plan;
    }

    /// <summary>GET /inventories/{id}, lengths interleaved round by round so that load drift hits them alike.</summary>
    private async Task ProjectionReadsAsync(Dictionary<int, string[]> histories)
    {
        var lengths = histories.Keys.Order().ToArray();
        var samples = _sizes.GetSamplesPerLength;
        var latencies = lengths.ToDictionary(l => l, _ => new List<double>());
        var requests = lengths.ToDictionary(l => l, _ => new List<long>());
        var errors = lengths.ToDictionary(l => l, _ => 0);
        var label = "GET /inventories/{id} at " + string.Join(", ", lengths.Select(l => Invariant($"{l:N0}"))) + " events";
        await PhaseAsync("GET /inventories/{id} (projection)", "GET", async () =>
        {
            var progress = Progress.Start(label, samples * lengths.Length);
            for (var round = 0; round < samples; round++)
            {
                foreach (var length in lengths)
                {
                    var id = histories[length][round % histories[length].Length];
                    var before = stack?.Ledger.HttpTotal ?? 0;
                    var result = await api.GetInventoryAsync(id, _none);
                    var after = stack?.Ledger.HttpTotal ?? 0;
                    if (result.Ok)
                    {
                        latencies[length].Add(result.Milliseconds);
                        requests[length].Add(after - before);
                    }
                    else
                    {
                        errors[length]++;
                    }
                    progress.Tick();
                }
            }
            progress.Finish(string.Join(", ", lengths.Select(l => Invariant($"p50 {LatencySummary.Of(latencies[l]).P50:0.00} ms at {l:N0}"))));
            return samples * lengths.Length;
        });
        foreach (var length in lengths)
        {
            report.History.Add(new HistoryLength(length, histories[length].Length,
                LatencySummary.Of(latencies[length], errors[length]),
                stack is null || requests[length].Count == 0 ? null : requests[length].Average(),
                stack is null || requests[length].Count == 0 ? null : requests[length].Max(),
                LatencySummary.Of([]), 0, null, null));
        }
    }

    /// <summary>The tutorial's read for the same inventories: the whole audit log, folded on the client.</summary>
    private async Task NaiveReadsAsync(Dictionary<int, string[]> histories)
    {
        var lengths = histories.Keys.Order().ToArray();
        var samples = lengths.Zip(_sizes.NaiveSamplesPerLength).ToDictionary(x => x.First, x => x.Second);
        var latencies = lengths.ToDictionary(l => l, _ => new List<double>());
        var requests = lengths.ToDictionary(l => l, _ => new List<long>());
        var pages = lengths.ToDictionary(l => l, _ => new List<int>());
        var errors = lengths.ToDictionary(l => l, _ => 0);
        var matches = lengths.ToDictionary(l => l, _ => (bool?)null);
        var replayed = new Dictionary<string, (int Length, InventoryState State)>(StringComparer.Ordinal);
        await PhaseAsync("naive replay (GET …/events pages + Inventory.Fold)", "read", async () =>
        {
            var progress = Progress.Start("naive replay at " + string.Join(", ", lengths.Select(l => Invariant($"{l:N0}"))) + " events", samples.Values.Sum());
            for (var round = 0; round < samples.Values.Max(); round++)
            {
                foreach (var length in lengths.Where(l => round < samples[l]))
                {
                    var id = histories[length][round % histories[length].Length];
                    var before = stack?.Ledger.HttpTotal ?? 0;
                    var result = await api.NaiveReplayAsync(id, _none);
                    var after = stack?.Ledger.HttpTotal ?? 0;
                    if (result.State is { } state)
                    {
                        latencies[length].Add(result.Milliseconds);
                        requests[length].Add(after - before);
                        pages[length].Add(result.Pages);
                        replayed.TryAdd(id, (length, state));
                    }
                    else
                    {
                        errors[length]++;
                    }
                    progress.Tick();
                }
            }
            progress.Finish(string.Join(", ", lengths.Select(l => Invariant($"p50 {LatencySummary.Of(latencies[l]).P50:0.0} ms at {l:N0}"))));
            return samples.Values.Sum();
        });
        // After the phase, so that its request counts are the replays' alone: the replay and the projection must agree.
        foreach (var (id, (length, state)) in replayed)
        {
            var view = await api.ReadInventoryAsync(id, _none);
            var same = view is not null && view.Version == state.Version && view.Items.Count == state.Items.Count
                && view.Items.All(kv => state.QuantityOf(kv.Key) == kv.Value);
            matches[length] = (matches[length] ?? true) && same;
        }
        for (var i = 0; i < report.History.Count; i++)
        {
            var h = report.History[i];
            report.History[i] = h with
            {
                Naive = LatencySummary.Of(latencies[h.Length], errors[h.Length]),
                NaivePagesMean = pages[h.Length].Count == 0 ? 0 : pages[h.Length].Average(),
                NaiveRequestsMean = stack is null || requests[h.Length].Count == 0 ? null : requests[h.Length].Average(),
                NaiveMatchesProjection = matches[h.Length],
            };
        }
    }

    /// <summary>
    /// Time travel on the first inventory of the longest history (built above): <c>GET …/state?atVersion=N</c> at
    /// 10, 1,000 and 10,000, at the last version below it that is interval − 1 past a snapshot (the most events a read
    /// replays), and <c>?asOf=</c> the instant of its last event. Rows interleaved round by round, one call at a time,
    /// so each read's HTTP-origin Cosmos requests (and the documents its queries returned) are exact, as for the GET.
    /// </summary>
    private async Task TimeTravelAsync(Dictionary<int, string[]> histories)
    {
        var length = histories.Keys.Max();
        var id = histories[length][0];
        var interval = report.Run.SnapshotInterval ?? new InventoryFunctions.Cosmos.SnapshotOptions().Interval;
        var worst = (length + 1L) / interval * interval - 1;
        var versions = TimeTravelVersions.Where(v => v <= length).Append(length).Append(worst).Where(v => v >= 1).Distinct().Order().ToList();

        // Unmeasured: the log, to know the instant of the last event and to check every answer against a fold of its prefix.
        var log = await api.ReadAuditLogAsync(id, _none);
        if (log is null || log.Count != length)
            throw new InvalidOperationException(Invariant($"time travel: the audit log of {id} holds {log?.Count.ToString(CultureInfo.InvariantCulture) ?? "no"} events, not {length}."));
        var instant = log[^1].OccurredAt;
        var rows = versions.Select(v => (Kind: TimeTravelKinds.AtVersion, Version: v, AsOf: (DateTimeOffset?)null,
                Remark: v == worst && !TimeTravelVersions.Contains(v) ? Invariant($"most events replayed: {interval - 1} past snapshot {v - interval + 1:N0}") : null))
            // asOf answers with the longest prefix of the log whose events all occurred at or before the instant.
            .Append((Kind: TimeTravelKinds.AsOf, Version: (long)log.TakeWhile(e => e.OccurredAt <= instant).Count(), AsOf: (DateTimeOffset?)instant,
                Remark: (string?)Invariant($"the instant of event {length:N0}")))
            .ToList();
        Task<CallResult> Read(int row) => rows[row].AsOf is { } asOf
            ? api.GetStateAsOfAsync(id, asOf, _none)
            : api.GetStateAtVersionAsync(id, rows[row].Version, _none);

        for (var warm = 0; warm < 3; warm++)
        {
            for (var row = 0; row < rows.Count; row++)
                await Read(row);
        }

        var samples = _sizes.TimeTravelSamples;
        var latencies = rows.Select(_ => new List<double>()).ToArray();
        var requests = rows.Select(_ => new List<long>()).ToArray();
        var documents = rows.Select(_ => new List<long>()).ToArray();
        var pointReads = rows.Select(_ => new List<long>()).ToArray();
        var queries = rows.Select(_ => new List<long>()).ToArray();
        var other = rows.Select(_ => new List<long>()).ToArray();
        var byOperation = rows.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToArray();
        var errors = new int[rows.Count];
        var wrong = new int[rows.Count];
        var label = "time travel: atVersion " + string.Join(", ", versions.Select(v => Invariant($"{v:N0}"))) + Invariant($", asOf event {length:N0}");
        await PhaseAsync("time travel (GET …/state)", "read", async () =>
        {
            var progress = Progress.Start(label, samples * rows.Count);
            for (var round = 0; round < samples; round++)
            {
                for (var row = 0; row < rows.Count; row++)
                {
                    var mark = stack?.Ledger.MarkHttp();
                    var result = await Read(row);
                    var cost = mark is null ? null : stack!.Ledger.Since(mark);
                    progress.Tick();
                    if (!result.Ok)
                    {
                        errors[row]++;
                        continue;
                    }
                    if (result.Version != rows[row].Version)
                        wrong[row]++;
                    latencies[row].Add(result.Milliseconds);
                    if (cost is null)
                        continue;
                    var reads = cost.Of("events", "read");
                    var query = cost.Of("events", "query");
                    foreach (var (name, delta) in cost.ByOperation)
                        byOperation[row][name] = byOperation[row].GetValueOrDefault(name) + delta;
                    requests[row].Add(cost.Requests);
                    pointReads[row].Add(reads);
                    queries[row].Add(query);
                    other[row].Add(cost.Requests - reads - query);
                    documents[row].Add(cost.QueryDocuments);
                }
            }
            progress.Finish(string.Join(", ", rows.Select((r, i) => Invariant($"p50 {LatencySummary.Of(latencies[i]).P50:0.0} ms at {(r.AsOf is null ? $"{r.Version:N0}" : "asOf")}"))));
            return samples * rows.Count;
        });

        // After the phase, so that its request counts are the reads' alone: every answer must equal the fold of the log's prefix.
        var results = new List<TimeTravelRead>();
        for (var row = 0; row < rows.Count; row++)
        {
            var (kind, version, asOf, remark) = rows[row];
            var state = await api.ReadStateAsync(id, version, asOf, _none);
            var expected = Inventory.Fold(InventoryState.Empty, log.Take((int)version));
            bool? matches = state is null ? false
                : state.Version == expected.Version && state.Items.Count == expected.Items.Count && state.Items.All(kv => expected.QuantityOf(kv.Key) == kv.Value);
            var measured = stack is not null && requests[row].Count > 0;
            long? Max(List<long> values) => measured ? values.Max() : null;
            var (bound, expectation, verdict) = Targets.JudgeTimeTravel(kind, version, interval,
                Max(pointReads[row]), measured ? queries[row].Min() : null, Max(queries[row]), Max(other[row]), Max(documents[row]));
            results.Add(new TimeTravelRead(kind, version, asOf, remark, LatencySummary.Of(latencies[row], errors[row] + wrong[row]), wrong[row],
                measured ? requests[row].Average() : null, Max(requests[row]),
                measured ? byOperation[row].OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => (double)kv.Value / requests[row].Count) : null,
                Max(pointReads[row]), measured ? queries[row].Min() : null, Max(queries[row]), Max(other[row]),
                measured ? documents[row].Average() : null, Max(documents[row]),
                bound, expectation, verdict, matches));
        }
        report.TimeTravel = new TimeTravelRun(id, length, interval, report.Run.SnapshotInterval is null, samples, results);
    }

    /// <summary>
    /// Append acknowledged → GET shows the new version, polling every ~20 ms. Each lane waits a random 0..poll-delay
    /// before its next append, so appends land at random points of the change-feed poll cycle.
    /// </summary>
    private async Task LagAsync()
    {
        var lanes = Enumerable.Range(0, _sizes.LagLanes).Select(i => Id($"lag-{i}")).ToArray();
        await PrimeAsync(lanes, lanes.Length);
        await WaitVisibleAsync(lanes.ToDictionary(id => id, _ => 1L), "lag: priming");
        var total = _sizes.LagSamples;
        var lags = new ConcurrentQueue<double>();
        var timeouts = 0;
        var errors = 0;
        await PhaseAsync("projection lag", "sample", async () =>
        {
            var progress = Progress.Start("projection lag", total, " samples");
            var next = -1;
            await Task.WhenAll(lanes.Select((id, lane) => Task.Run(async () =>
            {
                var random = new Random(7919 * (lane + 1));
                for (var k = 0; Interlocked.Increment(ref next) < total; k++)
                {
                    await Task.Delay(random.Next(0, options.PollDelayMs));
                    var append = await api.AddItemAsync(id, Item(k), 1, _none);
                    var acknowledged = Stopwatch.GetTimestamp();
                    if (!append.Ok)
                    {
                        Interlocked.Increment(ref errors);
                        progress.Tick();
                        continue;
                    }
                    while (true)
                    {
                        var get = await api.GetInventoryAsync(id, _none);
                        var elapsed = Stopwatch.GetElapsedTime(acknowledged);
                        if (get.Ok && get.Version >= append.Version)
                        {
                            lags.Enqueue(elapsed.TotalMilliseconds);
                            break;
                        }
                        if (elapsed > LagTimeout)
                        {
                            Interlocked.Increment(ref timeouts);
                            break;
                        }
                        await Task.Delay(LagPollEveryMs);
                    }
                    progress.Tick();
                }
            })));
            var lag = LatencySummary.Of(lags, errors + timeouts);
            progress.Finish(Invariant($"p50 {lag.P50:0} ms, p99 {lag.P99:0} ms"));
            report.Lag = new LagRun(lag, timeouts, lanes.Length, options.PollDelayMs, LagPollEveryMs);
            return total;
        });
    }

    /// <summary>One view's projector over the whole run: its batches, what they cost by kind, per inventory and (global) per shard.</summary>
    private static ProjectorCost ProjectorCostOf(ProjectorLedger projector)
    {
        var batches = projector.Batches.ToArray();
        var pairs = batches.Sum(b => (long)b.Inventories);
        var shards = batches.Sum(b => (long)b.Shards);
        var byKind = batches.SelectMany(b => b.ByKind).GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        var requests = byKind.Values.Sum();
        double Worst(Func<ChangeFeedBatch, double> perBatch) =>
            batches.Where(b => b.Inventories > 0).Select(perBatch).DefaultIfEmpty(double.NaN).Max();
        var maxPerBatch = byKind.Keys.ToDictionary(kind => kind, kind => batches.Max(b => b.Of(kind)), StringComparer.Ordinal);
        var global = projector.Shape == ProjectorShape.Global;
        long ShardRequests(ChangeFeedBatch b) => b.Of(ProjectorLedger.ShardQuery) + b.Of(ProjectorLedger.ShardWrite);
        return new ProjectorCost(projector.Function, projector.Shape, batches.Length, pairs, shards, batches.Sum(b => (long)b.Documents),
            byKind, maxPerBatch, requests,
            pairs == 0 ? double.NaN : (double)requests / pairs, Worst(b => (double)b.Requests / b.Inventories),
            global && shards > 0 ? (double)batches.Sum(ShardRequests) / shards : null,
            global ? Worst(b => (double)ShardRequests(b) / b.Shards) : null,
            projector.ChangeFeedReads, projector.LeaseRequests, projector.OutsideBatches, projector.RequestCharge, projector.BatchRequestCharge);
    }

    /// <summary>Runs <paramref name="body"/> as a phase: Cosmos counters reset before, read after.</summary>
    private async Task PhaseAsync(string phase, string unit, Func<Task<int>> body)
    {
        Console.WriteLine("==> " + phase);
        stack?.Ledger.ResetPhase();
        var operations = await body();
        if (stack is not null)
        {
            var counts = stack.Ledger.Phase;
            var metrics = counts.Metrics.ToDictionary(kv => kv.Key, kv => (kv.Value.Requests, kv.Value.RequestCharge));
            report.CosmosPhases.Add(new PhaseCosmos(phase, unit, operations, metrics, ByOperation(counts, Origin.Http), ByOperation(counts, Origin.Background)));
        }
        load.Mark(phase);
    }

    private static Dictionary<string, long> ByOperation(LedgerCounts counts, Origin origin) =>
        counts.Requests.Where(kv => kv.Key.Origin == origin)
            .GroupBy(kv => $"{kv.Key.Container} {kv.Key.Operation}")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));

    private static double? PerOperation(long? requests, int operations) => requests is { } r && operations > 0 ? (double)r / operations : null;

    private async Task PrimeAsync(string[] ids, int concurrency) =>
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) =>
        {
            var result = await api.AddItemAsync(id, "item-0", 1, _none);
            if (!result.Ok)
                Console.WriteLine(Invariant($"  warning: priming append to {id} answered {result.Status}"));
        });

    /// <summary>Polls GET (or <paramref name="read"/>, a view's GET) until every inventory shows at least its version.</summary>
    private async Task WaitVisibleAsync(IReadOnlyDictionary<string, long> versions, string label, Func<string, CancellationToken, Task<CallResult>>? read = null)
    {
        read ??= api.GetInventoryAsync;
        var progress = Progress.Start(label, versions.Count, " inventories");
        var pending = new HashSet<string>(versions.Keys, StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            foreach (var id in pending.ToArray())
            {
                var result = await read(id, _none);
                if (result.Ok && result.Version >= versions[id])
                {
                    pending.Remove(id);
                    progress.Tick();
                }
            }
            if (pending.Count == 0)
                break;
            if (clock.Elapsed > CatchUpTimeout)
                throw new TimeoutException($"{label}: {pending.Count} inventories were not projected within {CatchUpTimeout.TotalMinutes} minutes.");
            await Task.Delay(100);
        }
        progress.Finish();
    }

    private sealed record LoopResult(LatencySummary Latency, IReadOnlyDictionary<int, int> Statuses, double Seconds, int Succeeded);

    /// <summary><paramref name="concurrency"/> workers each send their next request as soon as the previous one answered, <paramref name="total"/> in all.</summary>
    private static async Task<LoopResult> ClosedLoopAsync(string label, int total, int concurrency, Func<int, int, Task<CallResult>> call)
    {
        var progress = Progress.Start(label, total);
        var latencies = new ConcurrentQueue<double>();
        var statuses = new ConcurrentDictionary<int, int>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            for (var local = 0; Interlocked.Increment(ref next) < total; local++)
            {
                var result = await call(worker, local);
                statuses.AddOrUpdate(result.Status, 1, (_, n) => n + 1);
                if (result.Ok)
                    latencies.Enqueue(result.Milliseconds);
                progress.Tick();
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var latency = LatencySummary.Of(latencies, total - latencies.Count);
        progress.Finish(Invariant($"{latencies.Count / seconds:0} req/s, p50 {latency.P50:0.0} ms, p99 {latency.P99:0.0} ms")
            + (latency.Errors > 0 ? Invariant($", {latency.Errors} errors ({string.Join(", ", statuses.Where(s => s.Key is < 200 or >= 300).Select(s => $"{s.Key}×{s.Value}"))})") : ""));
        return new LoopResult(latency, new SortedDictionary<int, int>(statuses), seconds, latencies.Count);
    }

    private static IReadOnlyList<(string Type, string ItemId, int Quantity)> HistoryEvents(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(k => k % 5 == 4
            ? (EventTypes.ItemRemoved, Item(k - 1), 1) // the item added just before, in the same batch (50 is a multiple of 5)
            : (EventTypes.ItemAdded, Item(k), 1 + (k % 3)))];

    private static string Item(int k) => "item-" + (k % Items).ToString(CultureInfo.InvariantCulture);

    private string Id(string suffix) => $"bench-{report.Run.RunId}-{suffix}";

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
