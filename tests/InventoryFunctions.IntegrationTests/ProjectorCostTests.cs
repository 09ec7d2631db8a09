using System.Net;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// What each change-feed function costs per inventory of a batch, counted at the wire: the log of a database of the
/// test's own is written while no change feed runs, then one app starts that function alone on it (its first delivery
/// is one page holding every inventory) and its Cosmos requests on the projections container are split by the
/// document they touch. Another app, whose requests are not counted, polls until the function's views are drained.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ProjectorCostTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const int Inventories = 15;
    private const int EventsPerInventory = 6;

    /// <summary>
    /// ProjectInventory serves the inventory view and most collected through one step: one query of both roots with
    /// the parts the batch needs and one transactional batch per inventory. ProjectDwellTime: one query and one batch.
    /// The global board: per shard one query and one batch, then one board merge.
    /// </summary>
    [Theory]
    [InlineData("ProjectInventory")]
    [InlineData("ProjectDwellTime")]
    [InlineData("ProjectGlobalCollected")]
    public async Task Each_change_feed_function_costs_at_most_two_requests_per_inventory_of_a_batch(string function)
    {
        var settings = new Dictionary<string, string?> { [AppSettings.DatabaseName] = "projector-cost-" + function.ToLowerInvariant() };
        await LocalStack.ProvisionAsync(stack.Stack.AppSettings(settings));
        var events = stack.Client.GetContainer(settings[AppSettings.DatabaseName], stack.Options.EventsContainerName);
        var random = new Random(4);
        for (var i = 0; i < Inventories; i++)
        {
            await events.ImportAsync($"cost-{i}", Enumerable.Range(1, EventsPerInventory).Select(v =>
                new RecordedEvent(v, DateTimeOffset.UnixEpoch.AddDays(20_000).AddSeconds(v), new ItemAdded("item-" + random.Next(20), 1))));
        }
        var log = await CollectedOracle.ReadAllEventsAsync(events);

        await using var reader = await stack.Stack.StartAppAsync(settings);
        using var http = reader.CreateHttpClient();
        var alone = new Dictionary<string, string?>(settings);
        foreach (var feed in InventoryFunctions.Functions.ChangeFeedFunctions.All)
            alone[$"AzureWebJobs.{feed.Name}.Disabled"] = feed.Name == function ? "false" : "true";
        await using var projector = await stack.Stack.StartAppAsync(alone);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !await DrainedAsync(http, function, log))
            await Task.Delay(200);
        Assert.True(await DrainedAsync(http, function, log), $"{function} did not project within 60 s");

        var requests = projector.Wire.DataRequests.Where(r => r.Container == stack.Options.ProjectionsContainerName).ToList();
        var counts = requests.GroupBy(ViewOf).ToDictionary(g => g.Key, g => g.Count());
        var charge = requests.Sum(r => r.RequestCharge);
        output.WriteLine($"{function}, {Inventories} inventories x {EventsPerInventory} events, one change-feed page: "
            + string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value} requests ({(double)kv.Value / Inventories:0.00} per inventory)"))
            + $"; modelled {charge / Inventories:0.0} RU per inventory ("
            + string.Join(", ", requests.GroupBy(r => r.Operation).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Sum(r => r.RequestCharge) / Inventories:0.0}")) + ")");
        Assert.False(counts.ContainsKey("other"), "requests on the projections container that no view explains: "
            + string.Join(", ", requests.Where(r => ViewOf(r) == "other")));
        if (function == "ProjectGlobalCollected")
        {
            Assert.InRange(counts.GetValueOrDefault("global most-collected"), 1, 2 * Inventories);
            return;
        }
        // Per inventory: one read of the roots with the parts the batch needs (a query) and one transactional batch.
        // Batches and queries do not name their document, so the views of one function are counted together.
        Assert.Equal([("per-inventory views", 2 * Inventories)], counts.Select(kv => (kv.Key, kv.Value)));
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

    private static async Task<bool> DrainedAsync(HttpClient http, string function, IReadOnlyList<(string InventoryId, RecordedEvent Event)> log)
    {
        if (function == "ProjectGlobalCollected")
        {
            var board = await http.GetJsonAsync("most-collected?top=100");
            return board.Status == HttpStatusCode.OK && Ranked(board.Body).SequenceEqual(CollectedOracle.MostCommon(log, 100));
        }
        for (var i = 0; i < Inventories; i++)
        {
            var id = $"cost-{i}";
            string[] routes = function == "ProjectInventory" ? [$"inventories/{id}", $"inventories/{id}/most-collected?top=100"] : [$"inventories/{id}/dwell-time"];
            foreach (var route in routes)
            {
                var view = await http.GetJsonAsync(route);
                if (view.Status != HttpStatusCode.OK || view.Body.GetProperty("version").GetInt64() < EventsPerInventory)
                    return false;
                if (route.Contains("most-collected", StringComparison.Ordinal)
                    && !Ranked(view.Body).SequenceEqual(CollectedOracle.MostCommon(log.Where(e => e.InventoryId == id), 100)))
                    return false;
            }
        }
        return true;
    }

    private static IEnumerable<(string ItemId, long Collected)> Ranked(System.Text.Json.JsonElement body) =>
        body.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64()));
}
