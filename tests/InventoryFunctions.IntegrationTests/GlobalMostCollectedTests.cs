using System.Net;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.Testing;
using Microsoft.Extensions.DependencyInjection;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>A local stack of its own, so that "every inventory's log" is exactly what these tests wrote.</summary>
public sealed class OwnStackFixture : IAsyncLifetime
{
    public LocalStack Stack { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await LocalStack.StartAsync();
        Http = Stack.App.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Stack is not null)
            await Stack.DisposeAsync();
    }
}

/// <summary>
/// <c>GET /api/most-collected?top=N</c> across all inventories, kept by its own change-feed function, compared with
/// Python's <c>Counter(all added items).most_common(N)</c> computed from every log in the stack. In the shared stack's
/// collection only so that it does not start its stack while the shared one starts (2 cores).
/// </summary>
[Collection(Infrastructure.LocalStackGroup.Name)]
public sealed class GlobalMostCollectedTests(OwnStackFixture fixture) : IClassFixture<OwnStackFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_board_equals_most_common_over_every_log_with_ties_broken_by_the_item_first_added_anywhere()
    {
        var (stack, http) = (fixture.Stack, fixture.Http);
        // Ties on purpose: at the same instant in two inventories (the inventory id decides), and by instant.
        await stack.Events.ImportAsync("tie-b", [
            new RecordedEvent(1, T0, new ItemAdded("bow", 5)),
            new RecordedEvent(2, T0.AddSeconds(1), new ItemAdded("axe", 5)),
            new RecordedEvent(3, T0.AddSeconds(2), new ItemRemoved("bow", 5)),
        ]);
        await stack.Events.ImportAsync("tie-a", [
            new RecordedEvent(1, T0, new ItemAdded("cap", 2)),
            new RecordedEvent(2, T0.AddSeconds(5), new ItemAdded("cap", 3)),
            new RecordedEvent(3, T0.AddSeconds(6), new ItemAdded("dart", 5)),
        ]);
        // Legacy documents count with quantity 1.
        await stack.Events.WriteDocumentsAsync("legacy-1",
            Legacy("legacy-1", 1, "ITEM_ADDED", "elixir", "2026-05-01T11:00:00"),
            Legacy("legacy-1", 2, "ITEM_ADDED", "elixir", "2026-05-01T11:00:01"),
            Legacy("legacy-1", 3, "ITEM_REMOVED", "elixir", "2026-05-01T11:00:02"));
        // Many inventories over every shard, through the API.
        var random = new Random(12);
        string[] items = ["sword", "shield", "potion", "arrow", "gem.stone", "bow", "axe", "cap"];
        for (var i = 0; i < 30; i++)
        {
            var inventoryId = $"player-{i}";
            var batch = Enumerable.Range(0, random.Next(1, 8))
                .Select(_ => (EventTypes.ItemAdded, items[random.Next(items.Length)], random.Next(1, 4))).ToList();
            Assert.Equal(HttpStatusCode.Created, (await http.AppendEventsAsync(inventoryId, batch)).Status);
            if (random.Next(3) == 0)
                Assert.Equal(HttpStatusCode.OK, (await http.RemoveItemAsync(inventoryId, batch[0].Item2, 1)).Status);
        }

        var log = await CollectedOracle.ReadAllEventsAsync(stack.Events);
        var expected = CollectedOracle.MostCommon(log, 100);
        Assert.Contains(expected.Zip(expected.Skip(1)), pair => pair.First.Collected == pair.Second.Collected); // a tie to break
        var answer = await WaitForBoardAsync(http, expected);
        foreach (var top in new[] { 1, 2, 3, 5, 100 })
        {
            var reply = await http.GetJsonAsync($"most-collected?top={top}");
            Assert.Equal(expected.Take(top), Items(reply));
        }
        Assert.Equal(expected, answer);

        // A read is one point read of the board (an instance without the change feed, so only the read is counted).
        await using (var reader = await stack.StartAppAsync())
        {
            using var readerHttp = reader.CreateHttpClient();
            reader.Wire.Reset();
            Assert.Equal(expected, Items(await readerHttp.GetJsonAsync("most-collected?top=100")));
            Assert.Single(reader.Wire.DataRequests);
        }

        // More events later: the board follows, and what was counted is not counted again.
        Assert.Equal(HttpStatusCode.Created, (await http.AddItemAsync("tie-a", "dart", 1)).Status);
        Assert.Equal(HttpStatusCode.Created, (await http.AddItemAsync("player-0", "zither", 40)).Status);
        await WaitForBoardAsync(http, CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(stack.Events), 100));
    }

    [Theory]
    [InlineData("top=0")]
    [InlineData("top=101")]
    [InlineData("top=x")]
    [InlineData("top=1&top=2")]
    public async Task Bad_top_is_400_validation_failed(string query) =>
        AssertProblem(await fixture.Http.GetJsonAsync($"most-collected?{query}"), HttpStatusCode.BadRequest, "validation-failed");

    private static Task<List<(string ItemId, long Collected)>> WaitForBoardAsync(HttpClient http, IReadOnlyList<(string ItemId, long Collected)> expected) =>
        Eventually.UntilAsync($"the global board to be [{string.Join(", ", expected)}]", async () => Items(await http.GetJsonAsync("most-collected?top=100")),
            last => last.SequenceEqual(expected));

    private static List<(string ItemId, long Collected)> Items(JsonReply reply)
    {
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return [.. reply.Body.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64()))];
    }

    private static byte[] Legacy(string inventoryId, long version, string type, string item, string timestamp) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
        new { id = version.ToString(System.Globalization.CultureInfo.InvariantCulture), inventoryId, version, type, data = item, timestamp }));
}
