using InventoryFunctions.Benchmarks.Report;
using InventoryFunctions.Benchmarks.Stack;
using InventoryFunctions.Domain;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>
/// What an append costs on the wire against the items its inventory holds (issue 12): inventories holding 10, 100 and
/// the most distinct items allowed each get warm one-event appends over HTTP, and the HTTP instance's counting proxy
/// gives the bytes of each append's transactional batch, sent and received. Apart from those: the append whose event
/// reaches a multiple of the snapshot interval (its batch also creates the snapshot, the whole state, once per interval)
/// and the head's load on a cold instance (one query of the head and its item shards: the whole state, once per instance).
/// </summary>
public sealed class AppendBytesBenchmark(TimedApiClient api, BenchStack stack, Func<string, string> inventoryId)
{
    private const int WarmAppends = 10;
    private static readonly int[] Holdings = [10, 100, InventoryRules.MaxDistinctItemsHeld];

    public async Task<List<AppendBytes>> RunAsync()
    {
        Console.WriteLine("==> bytes per append against items held");
        var inventories = new List<(int Held, string Id, List<CosmosRequest> Warm, CosmosRequest Snapshot)>();
        foreach (var held in Holdings)
        {
            var id = inventoryId($"bytes-{held}");
            var version = await FillAsync(id, held);
            var warm = new List<CosmosRequest>();
            for (var i = 0; i < WarmAppends; i++)
                warm.Add(Single(await AppendAsync(id, ++version), id, "Batch"));
            // On to the next multiple of the interval: the last of these appends also creates the snapshot.
            CosmosRequest? snapshot = null;
            do
                snapshot = Single(await AppendAsync(id, ++version), id, "Batch");
            while (version % stack.SnapshotInterval != 0);
            inventories.Add((held, id, warm, snapshot));
        }

        // A restarted instance has no head cached: its first command loads the head and its shards (one query).
        await stack.ForgetCachedHeadsAsync();
        var rows = new List<AppendBytes>();
        foreach (var (held, id, warm, snapshot) in inventories)
        {
            var coldRead = Single(await AppendAsync(id, version: null), id, "Query");
            var row = new AppendBytes(held, warm.Count,
                Mean(warm, r => r.RequestBodyBytes), Mean(warm, r => r.RequestHeaderBytes),
                Mean(warm, r => r.ResponseBodyBytes), Mean(warm, r => r.ResponseHeaderBytes),
                snapshot.RequestBodyBytes, stack.SnapshotInterval, coldRead.ResponseBodyBytes);
            Console.WriteLine(FormattableString.Invariant(
                $"    {held,5} items held: sent {row.SentBody:N0} B body + {row.SentHeaders:N0} B headers, received {row.ReceivedBody:N0} B + {row.ReceivedHeaders:N0} B; snapshot append sent {row.SnapshotAppendSentBody:N0} B; cold head load {row.ColdHeadReadBody:N0} B"));
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Adds <paramref name="held"/> distinct items, 50 a request; returns the version reached.</summary>
    private async Task<long> FillAsync(string id, int held)
    {
        long version = 0;
        foreach (var chunk in Enumerable.Range(0, held).Chunk(InventoryRules.MaxEventsPerAppend))
        {
            var result = await api.AppendEventsAsync(id, [.. chunk.Select(i => (EventTypes.ItemAdded, ItemId(i), 1))], CancellationToken.None);
            if (!result.Ok)
                throw new InvalidOperationException($"Filling {id} failed with {result.Status}.");
            version = result.Version;
        }
        return version;
    }

    /// <summary>One more unit of an item already held (so the inventory's distinct items stay as they are), and the round trips it cost.</summary>
    private async Task<IReadOnlyList<CosmosRequest>> AppendAsync(string id, long? version)
    {
        stack.HttpWire.Reset();
        var result = await api.AddItemAsync(id, ItemId(0), 1, CancellationToken.None);
        if (!result.Ok || (version is { } expected && result.Version != expected))
            throw new InvalidOperationException($"An append to {id} answered {result.Status} at version {result.Version}, expected {version}.");
        return stack.HttpWire.DataRequests;
    }

    private static CosmosRequest Single(IReadOnlyList<CosmosRequest> requests, string id, string operation) =>
        requests.Single(r => r.Operation == operation && r.IsFor(id));

    /// <summary>Ids of one length, so that inventories differ only in how many items they hold.</summary>
    private static string ItemId(int i) => FormattableString.Invariant($"item-{i:D7}");

    private static long Mean(List<CosmosRequest> requests, Func<CosmosRequest, long> bytes) => (long)Math.Round(requests.Average(bytes));
}
