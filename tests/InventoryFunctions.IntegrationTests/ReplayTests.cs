using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Replay (<c>GET /api/inventories/{id}/replay?fromVersion=&amp;toVersion=</c>) against the local stack: every step is
/// compared with folding the prefix of the log read through <c>GET /events</c>.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ReplayTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private static readonly string[] ItemIds = ["sword", "shield", "potion", "arrow", "gem.stone"];

    [Fact]
    public async Task Every_step_of_a_replay_is_the_fold_of_the_log_prefix_and_pages_chain_to_the_end()
    {
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval: 10);
        var inventoryId = LocalStackFixture.NewInventoryId("replay");
        await AppendRandomHistoryAsync(app.Http, inventoryId, events: 1_060, seed: 14);
        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.Equal(1_060, log.Count);

        foreach (var (from, to) in new (long From, long To)[] { (1, 1), (1, 37), (10, 10), (11, 20), (57, 163), (999, 1_060), (1_060, 1_060) })
        {
            app.Wire.Reset();
            var reply = await app.Http.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion={from}&toVersion={to}");
            // Time travel to from − 1 (snapshot point read + one bounded query; no point read below the first snapshot) + the page.
            Assert.InRange(app.Wire.DataRequests.Count, 2, 3);
            AssertPage(log, inventoryId, reply, from, to, expectedNext: null, reachedEnd: to == log.Count);
        }

        // A range longer than a page: 1,000 events, then the rest from nextFromVersion.
        var first = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion=5&toVersion=1060");
        AssertPage(log, inventoryId, first, 5, 1_004, expectedNext: 1_005, reachedEnd: false);
        var second = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion=1005&toVersion=1060");
        AssertPage(log, inventoryId, second, 1_005, 1_060, expectedNext: null, reachedEnd: true);

        // Without toVersion: one page of up to 1,000 events.
        var defaulted = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay");
        AssertPage(log, inventoryId, defaulted, 1, 1_000, expectedNext: null, reachedEnd: false);
        output.WriteLine($"replayed {log.Count} events in pages");
    }

    [Fact]
    public async Task A_range_past_the_end_is_clipped_there_and_says_so()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("replay");
        await AppendRandomHistoryAsync(stack.Http, inventoryId, events: 12, seed: 3);
        var log = await stack.Http.ReadLogAsync(inventoryId);

        AssertPage(log, inventoryId, await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion=8&toVersion=5000"),
            8, 12, expectedNext: null, reachedEnd: true);
        // Starting right after the end: nothing to step through yet, from the current state.
        AssertPage(log, inventoryId, await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion=13"),
            13, 12, expectedNext: null, reachedEnd: true);

        var beyond = AssertProblem(await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion=14"), HttpStatusCode.NotFound, "version-not-found");
        Assert.Equal(12, beyond.GetProperty("currentVersion").GetInt64());
    }

    [Theory]
    [InlineData("fromVersion=0")]
    [InlineData("fromVersion=-1")]
    [InlineData("fromVersion=abc")]
    [InlineData("fromVersion=5&toVersion=4")]
    [InlineData("toVersion=0")]
    [InlineData("fromVersion=1&fromVersion=2")]
    public async Task Bad_query_is_400_validation_failed(string query)
    {
        var inventoryId = LocalStackFixture.NewInventoryId("replay");
        AssertProblem(await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay?{query}"), HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Unknown_inventory_is_404_and_a_bad_id_is_400()
    {
        AssertProblem(await stack.Http.GetJsonAsync($"inventories/{LocalStackFixture.NewInventoryId("replay")}/replay"), HttpStatusCode.NotFound, "inventory-not-found");
        AssertProblem(await stack.Http.GetJsonAsync("inventories/bad%20id/replay"), HttpStatusCode.BadRequest, "validation-failed");
    }

    private static void AssertPage(IReadOnlyList<RecordedEvent> log, string inventoryId, JsonReply reply, long from, long last, long? expectedNext, bool reachedEnd)
    {
        Assert.True(reply.Status == HttpStatusCode.OK, $"replay {from}..{last}: {reply}");
        var body = reply.Body;
        Assert.Equal(inventoryId, body.GetProperty("inventoryId").GetString());
        Assert.Equal(from, body.GetProperty("fromVersion").GetInt64());
        Assert.Equal(last, body.GetProperty("toVersion").GetInt64());
        Assert.Equal(expectedNext, ApiClient.NextFromVersion(body));
        Assert.Equal(reachedEnd, body.GetProperty("reachedEnd").GetBoolean());

        var start = body.GetProperty("start");
        var expectedStart = FoldPrefix(log, from - 1);
        Assert.Equal(expectedStart, new InventoryState(start.GetProperty("version").GetInt64(), ItemsOf(start.GetProperty("items"))));

        var entries = body.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(Math.Max(0, last - from + 1), entries.Count);
        var state = expectedStart;
        foreach (var (entry, recorded) in entries.Zip(log.Skip((int)from - 1)))
        {
            state = Inventory.Evolve(state, recorded);
            Assert.Equal(recorded, ApiClient.ToRecordedEvent(entry));
            var after = new InventoryState(entry.GetProperty("version").GetInt64(), ItemsOf(entry.GetProperty("items")));
            Assert.True(state.Equals(after), $"after version {recorded.Version}: expected {state}, got {after}");
            Assert.Equal(state.QuantityOf(recorded.Event.ItemId), entry.GetProperty("count").GetInt32());
        }
    }

    /// <summary>Appends <paramref name="events"/> valid random events in batches of up to 50 through the API.</summary>
    private static async Task AppendRandomHistoryAsync(HttpClient http, string inventoryId, int events, int seed)
    {
        var random = new Random(seed);
        var held = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var appended = 0; appended < events;)
        {
            var batch = new List<(string Type, string ItemId, int Quantity)>();
            for (var i = 0; i < Math.Min(50, events - appended); i++)
            {
                var holdings = held.Where(kv => kv.Value > 0).Select(kv => kv.Key).ToList();
                if (holdings.Count == 0 || random.NextDouble() < 0.55)
                {
                    var item = ItemIds[random.Next(ItemIds.Length)];
                    var quantity = random.Next(1, 6);
                    held[item] = held.GetValueOrDefault(item) + quantity;
                    batch.Add((EventTypes.ItemAdded, item, quantity));
                }
                else
                {
                    var item = holdings[random.Next(holdings.Count)];
                    var quantity = random.Next(1, held[item] + 1);
                    held[item] -= quantity;
                    batch.Add((EventTypes.ItemRemoved, item, quantity));
                }
            }
            var reply = await http.AppendEventsAsync(inventoryId, batch);
            Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
            appended += batch.Count;
        }
    }
}
