using System.Net;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// What each projection costs per inventory of a change-feed batch, counted at the wire: the log of a database of the
/// test's own is written while no change feed runs, then one app starts its three change-feed functions on it (each
/// function's first delivery is one page holding every inventory) and its Cosmos requests on the projections container
/// are split by the document they touch. Another app, whose requests are not counted, polls until every view is drained.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ProjectorCostTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const string Database = "projector-cost";
    private const int Inventories = 15;
    private const int EventsPerInventory = 6;

    [Fact]
    public async Task Each_per_inventory_view_costs_at_most_two_requests_per_inventory_of_a_batch()
    {
        var settings = new Dictionary<string, string?> { [AppSettings.DatabaseName] = Database };
        await LocalStack.ProvisionAsync(stack.Stack.AppSettings(settings));
        var events = stack.Client.GetContainer(Database, stack.Options.EventsContainerName);
        var random = new Random(4);
        for (var i = 0; i < Inventories; i++)
        {
            await events.ImportAsync($"cost-{i}", Enumerable.Range(1, EventsPerInventory).Select(v =>
                new RecordedEvent(v, DateTimeOffset.UnixEpoch.AddDays(20_000).AddSeconds(v), new ItemAdded("item-" + random.Next(20), 1))));
        }
        var expected = CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(events), 100);

        await using var reader = await stack.Stack.StartAppAsync(settings);
        using var http = reader.CreateHttpClient();
        await using var projector = await stack.Stack.StartAppAsync(new Dictionary<string, string?>(settings) { [LocalStack.ChangeFeedSwitch] = "false" });
        await Eventually.UntilAsync("the three views to be projected", () => DrainedAsync(http, expected), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

        var counts = projector.Wire.DataRequests
            .Where(r => r.Container == stack.Options.ProjectionsContainerName)
            .GroupBy(ViewOf)
            .ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{Inventories} inventories x {EventsPerInventory} events, one change-feed page per function: "
            + string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value} requests ({(double)kv.Value / Inventories:0.00} per inventory)")));
        Assert.False(counts.ContainsKey("other"), "requests on the projections container that no view explains: "
            + string.Join(", ", projector.Wire.DataRequests.Where(r => r.Container == stack.Options.ProjectionsContainerName && ViewOf(r) == "other")));
        // Each per-inventory view (inventory, most collected, dwell time): one read of its root with the parts the batch
        // needs (a point read, or one query) and one transactional batch per inventory; the global board: one query and
        // one batch per shard. Batches and queries do not name their document, so the three views are counted together.
        var perInventory = counts.GetValueOrDefault("inventory view") + counts.GetValueOrDefault("most collected")
            + counts.GetValueOrDefault("dwell time") + counts.GetValueOrDefault("per-inventory views");
        Assert.InRange(perInventory, 3 * Inventories, 3 * 2 * Inventories);
        Assert.InRange(counts.GetValueOrDefault("global most-collected"), 1, 2 * Inventories);
    }

    /// <summary>
    /// The view a request on the projections container serves, from the document or partition it names. The global
    /// board's shards and board live in <c>$collected-…</c> partitions; its merge of the shards' buckets is the only
    /// cross-partition query a projector makes.
    /// </summary>
    private static string ViewOf(CosmosRequest request) =>
        request.PartitionKey?.StartsWith("[\"$collected", StringComparison.Ordinal) == true
            || request is { Operation: "Query", PartitionKey: null } ? "global most-collected"
        : request.DocumentId switch
        {
            "view" => "inventory view",
            "collected" => "most collected",
            "dwell-time" => "dwell time",
            null when request.Operation is "Batch" or "Query" => "per-inventory views",
            _ => "other",
        };

    private static async Task<bool> DrainedAsync(HttpClient http, IReadOnlyList<(string ItemId, long Collected)> expected)
    {
        for (var i = 0; i < Inventories; i++)
        {
            var view = await http.GetJsonAsync($"inventories/cost-{i}");
            var dwell = await http.GetJsonAsync($"inventories/cost-{i}/dwell-time");
            if (view.Status != HttpStatusCode.OK || view.Body.GetProperty("version").GetInt64() < EventsPerInventory
                || dwell.Status != HttpStatusCode.OK || dwell.Body.GetProperty("version").GetInt64() < EventsPerInventory)
                return false;
        }
        var board = await http.GetJsonAsync("most-collected?top=100");
        return board.Status == HttpStatusCode.OK && board.Body.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64()))
            .SequenceEqual(expected);
    }
}
