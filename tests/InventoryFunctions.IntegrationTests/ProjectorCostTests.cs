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
        await using var reader = await stack.Stack.StartAppAsync(settings);
        using var http = reader.CreateHttpClient();
        var alone = new Dictionary<string, string?>(settings);
        foreach (var feed in InventoryFunctions.Functions.ChangeFeedFunctions.All)
            alone[$"AzureWebJobs.{feed.Name}.Disabled"] = feed.Name == function ? "false" : "true";
        await using var projector = await stack.Stack.StartAppAsync(alone, wire => wire.KeepBodiesOf.Add("ChangeFeed"));
        await ProjectedAsync(http, function, events, EventsPerInventory);
        var first = Count(projector, function, "first delivery, every document created");
        // Steady states: one more event per inventory, then six, which replace what the first delivery created.
        var version = (long)EventsPerInventory;
        var steady = new List<(Dictionary<string, int> Counts, int InventoryBatches, int Pages)>();
        foreach (var perInventory in new[] { 1, EventsPerInventory })
        {
            projector.Wire.Reset();
            for (var i = 0; i < Inventories; i++)
            {
                await events.ImportAsync($"cost-{i}", Enumerable.Range(1, perInventory).Select(v =>
                    new RecordedEvent(version + v, DateTimeOffset.UnixEpoch.AddDays(20_001).AddSeconds(v), new ItemAdded("item-" + random.Next(20), 1))));
            }
            version += perInventory;
            await ProjectedAsync(http, function, events, version);
            steady.Add(Count(projector, function, $"{perInventory} more events per inventory, documents replaced"));
        }
        if (function != "ProjectGlobalCollected")
            await PrintDocumentSizesAsync(function);

        foreach (var (counts, inventoryBatches, pages) in steady.Prepend(first))
        {
            if (function == "ProjectGlobalCollected")
            {
                // Per shard touched (at most one per inventory-batch) a query and a batch; per page one board merge of
                // at most 4 requests (point read, query plan, cross-partition query page, write).
                Assert.InRange(counts.GetValueOrDefault("global most-collected"), 1, 2 * inventoryBatches + 4 * pages);
                continue;
            }
            // Per inventory of a page: one read of the roots with the parts the batch needs (a query) and one
            // transactional batch. Batches and queries do not name their document, so the views of one function are
            // counted together.
            Assert.Equal([("per-inventory views", 2 * inventoryBatches)], counts.Select(kv => (kv.Key, kv.Value)));
        }
    }

    private static async Task ProjectedAsync(HttpClient http, string function, Microsoft.Azure.Cosmos.Container events, long version)
    {
        var log = await CollectedOracle.ReadAllEventsAsync(events);
        await Eventually.UntilAsync($"{function} to project version {version}", () => DrainedAsync(http, function, log, version),
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
    }

    /// <returns>The requests by view, and the inventory-batches (an inventory with events in one change-feed page) and pages they served.</returns>
    private (Dictionary<string, int> Counts, int InventoryBatches, int Pages) Count(LocalApp projector, string function, string phase)
    {
        var requests = projector.Wire.DataRequests.Where(r => r.Container == stack.Options.ProjectionsContainerName).ToList();
        var counts = requests.GroupBy(ViewOf).ToDictionary(g => g.Key, g => g.Count());
        var pages = projector.Wire.DataRequests.Where(r => r.Operation == "ChangeFeed" && r.Status == 200 && r.Body is not null).ToList();
        var inventoryBatches = pages.Sum(InventoriesIn);
        var events = pages.Sum(EventsIn);
        var charge = requests.Sum(r => r.RequestCharge);
        output.WriteLine($"{function}, {phase}: {pages.Count} change-feed pages, {inventoryBatches} inventory-batches, {events} events; "
            + string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value} requests ({(double)kv.Value / inventoryBatches:0.00} per inventory-batch)"))
            + $"; modelled {charge / inventoryBatches:0.0} RU per inventory-batch, {charge / events:0.0} per event ("
            + string.Join(", ", requests.GroupBy(r => r.Operation).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Sum(r => r.RequestCharge) / inventoryBatches:0.0}")) + ")"
            + $"; change feed of the events {projector.Wire.DataRequests.Where(r => r.Operation == "ChangeFeed").Sum(r => r.RequestCharge):0.0} RU with the empty polls");
        Assert.False(counts.ContainsKey("other"), "requests on the projections container that no view explains: "
            + string.Join(", ", requests.Where(r => ViewOf(r) == "other")));
        return (counts, inventoryBatches, pages.Count);
    }

    private static List<System.Text.Json.JsonElement> EventDocuments(CosmosRequest page) =>
        System.Text.Json.JsonDocument.Parse(page.Body!).RootElement.GetProperty("Documents").EnumerateArray()
            .Where(d => d.TryGetProperty("version", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number).ToList();

    private static int InventoriesIn(CosmosRequest page) => EventDocuments(page).Select(d => d.GetProperty("inventoryId").GetString()).Distinct().Count();

    private static int EventsIn(CosmosRequest page) => EventDocuments(page).Count;

    /// <summary>What the model bills by: the size of each kind of document the function wrote (JSON without system properties).</summary>
    private async Task PrintDocumentSizesAsync(string function)
    {
        var projections = stack.Client.GetContainer("projector-cost-" + function.ToLowerInvariant(), stack.Options.ProjectionsContainerName);
        var sizes = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        using var iterator = projections.GetItemQueryStreamIterator("SELECT * FROM c",
            requestOptions: new Microsoft.Azure.Cosmos.QueryRequestOptions { PartitionKey = new Microsoft.Azure.Cosmos.PartitionKey("cost-0") });
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync();
            using var body = await System.Text.Json.JsonDocument.ParseAsync(page.Content);
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                var id = document.GetProperty("id").GetString()!;
                var kind = System.Text.RegularExpressions.Regex.Replace(id, "[0-9]{2,}", "N");
                var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, System.Text.Json.JsonElement>(
                    document.EnumerateObject().Where(p => !p.Name.StartsWith('_')).Select(p => KeyValuePair.Create(p.Name, p.Value)))).Length;
                (sizes.TryGetValue(kind, out var list) ? list : sizes[kind] = []).Add(bytes);
            }
        }
        output.WriteLine($"{function} documents of one inventory (bytes without system properties, mean and largest): "
            + string.Join(", ", sizes.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} x{kv.Value.Count} {kv.Value.Average():0} / {kv.Value.Max()}")));
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

    private static async Task<bool> DrainedAsync(HttpClient http, string function, IReadOnlyList<(string InventoryId, RecordedEvent Event)> log, long version)
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
                if (view.Status != HttpStatusCode.OK || view.Body.GetProperty("version").GetInt64() < version)
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
