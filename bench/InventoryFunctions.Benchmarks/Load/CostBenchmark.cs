using InventoryFunctions.Benchmarks.Report;
using InventoryFunctions.Benchmarks.Stack;
using InventoryFunctions.Domain;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>
/// What each operation costs in request units, as the local dev server models them (tools/devstack/cosmos/charges.js,
/// calibrated on published figures, ±30 %), at the HTTP instance's counting proxy: one-event appends warm and cold, and
/// 50-event appends, at 10, 100 and 1,000 items held with ids of 12 and 100 characters; each read; and what each
/// change-feed function's instance spends per hour with nothing to project (polls and lease renewals).
/// </summary>
public sealed class CostBenchmark(TimedApiClient api, BenchStack stack, Func<string, string> inventoryId, BenchReport report)
{
    private const int Samples = 5;
    private static readonly int[] Holdings = [10, 100, InventoryRules.MaxDistinctItemsHeld];
    private static readonly int[] IdLengths = [12, 100];

    public async Task RunAsync()
    {
        Console.WriteLine("==> request units per operation (modelled)");
        var inventories = new List<(int Held, int IdLength, string Id)>();
        foreach (var idLength in IdLengths)
        {
            foreach (var held in Holdings)
            {
                var id = inventoryId($"cost-{held}-{idLength}");
                await FillAsync(id, held, idLength);
                inventories.Add((held, idLength, id));
                var warm = new List<IReadOnlyList<CosmosRequest>>();
                for (var i = 0; i < Samples; i++)
                    warm.Add(await CallAsync(() => api.AddItemAsync(id, ItemId(i, idLength), 1, CancellationToken.None)));
                Add("append", $"warm one-event append, {held:N0} items held, {idLength}-character ids", warm);
                var fifty = new List<IReadOnlyList<CosmosRequest>>();
                for (var i = 0; i < Samples; i++)
                {
                    // One unit more of 50 items held (or all of them, when fewer): the inventory's distinct items stay as they are.
                    var events = Enumerable.Range(0, InventoryRules.MaxEventsPerAppend).Select(n => (EventTypes.ItemAdded, ItemId(n % held, idLength), 1)).ToList();
                    fifty.Add(await CallAsync(() => api.AppendEventsAsync(id, events, CancellationToken.None)));
                }
                Add("append", $"warm 50-event append, {held:N0} items held, {idLength}-character ids", fifty);
            }
        }

        // A restarted instance has no head cached: its first command loads the head (and its shards) first.
        await stack.ForgetCachedHeadsAsync();
        foreach (var (held, idLength, id) in inventories)
            Add("append", $"cold one-event append, {held:N0} items held, {idLength}-character ids", [await CallAsync(() => api.AddItemAsync(id, ItemId(0, idLength), 1, CancellationToken.None))]);

        var (_, _, sample) = inventories[^1];
        // The reads are of the views: wait until the projectors have caught up with the last appends.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await api.GetDwellTimeAsync(sample, CancellationToken.None)).Status == 404 || (await api.GetInventoryAsync(sample, CancellationToken.None)).Status == 404)
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"The views of {sample} were not projected within 60 s.");
            await Task.Delay(200);
        }
        await ReadsAsync("GET /inventories/{id}", () => api.GetInventoryAsync(sample, CancellationToken.None));
        await ReadsAsync("GET /inventories/{id}/dwell-time", () => api.GetDwellTimeAsync(sample, CancellationToken.None));
        await ReadsAsync("GET /most-collected (global)", () => api.GetGlobalMostCollectedAsync(10, CancellationToken.None));
        await IdleAsync();
    }

    private async Task ReadsAsync(string route, Func<Task<CallResult>> read)
    {
        var reads = new List<IReadOnlyList<CosmosRequest>>();
        for (var i = 0; i < Samples; i++)
            reads.Add(await CallAsync(read));
        Add("read", route, reads);
    }

    /// <summary>Each change-feed function's instance over a quiet window: its empty polls and lease renewals.</summary>
    private async Task IdleAsync()
    {
        var window = TimeSpan.FromSeconds(20);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the last appends' pages projected
        var before = stack.Ledger.Projectors.Select(p => (p.Function, p.RequestCharge, Requests: p.ChangeFeedReads + p.LeaseRequests)).ToList();
        await Task.Delay(window);
        foreach (var (projector, (function, charge, requests)) in stack.Ledger.Projectors.Zip(before))
        {
            var idle = new IdleCost(function, window.TotalSeconds, projector.RequestCharge - charge, projector.ChangeFeedReads + projector.LeaseRequests - requests);
            report.Idle.Add(idle);
            Console.WriteLine(FormattableString.Invariant($"    idle {function}: {idle.RequestUnits:N1} RU in {idle.Seconds:N0} s ({idle.Requests} requests): {idle.PerHour:N0} RU per hour"));
        }
    }

    private void Add(string group, string operation, List<IReadOnlyList<CosmosRequest>> samples)
    {
        var units = samples.Average(s => s.Sum(r => r.RequestCharge));
        var requests = string.Join(" + ", samples[0].GroupBy(r => r.Operation).Select(g => FormattableString.Invariant($"{g.Count()} {g.Key.ToLowerInvariant()}")));
        report.Costs.Add(new CostRow(group, operation, units, samples.Count, requests));
        Console.WriteLine(FormattableString.Invariant($"    {operation}: {units:N2} RU ({requests})"));
    }

    private async Task<IReadOnlyList<CosmosRequest>> CallAsync(Func<Task<CallResult>> call)
    {
        stack.HttpWire.Reset();
        var result = await call();
        if (!result.Ok)
            throw new InvalidOperationException($"A cost sample answered {result.Status}.");
        return stack.HttpWire.DataRequests;
    }

    private async Task FillAsync(string id, int held, int idLength)
    {
        foreach (var chunk in Enumerable.Range(0, held).Chunk(InventoryRules.MaxEventsPerAppend))
        {
            var result = await api.AppendEventsAsync(id, [.. chunk.Select(i => (EventTypes.ItemAdded, ItemId(i, idLength), 1))], CancellationToken.None);
            if (!result.Ok)
                throw new InvalidOperationException($"Filling {id} failed with {result.Status}.");
        }
    }

    /// <summary>Ids of one length per inventory, so that inventories differ only in how many items they hold and how long their ids are.</summary>
    private static string ItemId(int i, int length) => FormattableString.Invariant($"item-{i:D7}").PadLeft(length, 'x');
}
