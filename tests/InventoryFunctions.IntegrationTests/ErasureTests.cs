using System.Net;
using System.Text.Json;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>A stack of its own (the board oracle reads every log in it), the dev server with delete-by-partition-key available.</summary>
public sealed class ErasureStackFixture : IAsyncLifetime
{
    public LocalStack Stack { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await LocalStack.StartAsync(cosmosCapabilities: ["DeleteAllItemsByPartitionKey"],
            settings: new Dictionary<string, string?> { [AppSettings.ErasureThrottleMs] = "0" });
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
/// <c>DELETE /api/inventories/{id}</c>: erased while clients write to it and to others with the projectors running;
/// afterwards no document in any container has the id as partition key or anywhere in its body, the global board
/// equals <c>Counter.most_common</c> over the remaining logs (the tie rule included), commands answer 410, and nothing
/// comes back when the change feed has moved past the job and redeliveries, rebuilds and poison replays were forced.
/// </summary>
[Collection(Infrastructure.LocalStackGroup.Name)]
public sealed class ErasureTests(ErasureStackFixture fixture) : IClassFixture<ErasureStackFixture>
{
    [Fact]
    public async Task An_inventory_erased_under_load_leaves_no_trace_and_the_board_equals_the_oracle_over_the_rest()
    {
        var (stack, http) = (fixture.Stack, fixture.Http);
        var victim = LocalStack.NewInventoryId("erase");
        string[] others = [.. Enumerable.Range(0, 6).Select(i => LocalStack.NewInventoryId($"keep{i}"))];
        // The victim adds first, so it is the first adder of shared items (their next first adder must be found).
        Assert.Equal(HttpStatusCode.Created, (await http.AppendEventsAsync(victim, [("ItemAdded", "sword", 3), ("ItemAdded", "shield", 2), ("ItemAdded", "only-victim", 1)])).Status);
        foreach (var other in others)
            Assert.Equal(HttpStatusCode.Created, (await http.AppendEventsAsync(other, [("ItemAdded", "sword", 1), ("ItemAdded", "shield", 2), ("ItemAdded", "bow", 1)])).Status);
        // Transfers both ways, so other inventories' documents name the victim (counterparty, receipts, records).
        var sent = await http.ExchangeAsync(ApiRequests.Transfer(victim, others[0], [("sword", 1)], "gift-1"));
        Assert.Equal(HttpStatusCode.Accepted, sent.Status);
        var received = await http.ExchangeAsync(ApiRequests.Transfer(others[1], victim, [("bow", 1)], "gift-2"));
        Assert.Equal(HttpStatusCode.Accepted, received.Status);
        await WaitForBoardAsync(http, CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(stack.Events), 100));

        // Writers on the victim and the others while the erasure runs.
        using var stop = new CancellationTokenSource();
        var victimAnswers = new List<(DateTime At, HttpStatusCode Status)>();
        var writers = new[]
        {
            Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var sentAt = DateTime.UtcNow;
                    var reply = await http.AddItemAsync(victim, "sword", 1);
                    lock (victimAnswers)
                        victimAnswers.Add((sentAt, reply.Status));
                }
            }),
            Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                    Assert.Equal(HttpStatusCode.Created, (await http.AddItemAsync(others[i % others.Length], i % 2 == 0 ? "sword" : "gem", 1)).Status);
            }),
        };
        await Task.Delay(300);

        var accepted = await http.SendJsonAsync(HttpMethod.Delete, $"inventories/{victim}");
        var acceptedAt = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
        var jobId = accepted.Body.GetProperty("jobId").GetString()!;
        Assert.DoesNotContain(victim, accepted.Body.GetRawText(), StringComparison.Ordinal);
        var again = await http.SendJsonAsync(HttpMethod.Delete, $"inventories/{victim}");
        Assert.Equal(HttpStatusCode.Accepted, again.Status);
        Assert.Equal(jobId, again.Body.GetProperty("jobId").GetString());

        var job = await WaitForJobAsync(http, jobId);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(job.GetProperty("documentsDeleted").GetInt64() > 0, job.GetRawText());
        Assert.True(job.GetProperty("requests").GetInt64() > 0, job.GetRawText());
        Assert.Equal("batched", job.GetProperty("path").GetString());
        lock (victimAnswers)
        {
            Assert.All(victimAnswers.Where(a => a.At > acceptedAt), a => Assert.Equal(HttpStatusCode.Gone, a.Status));
            Assert.Contains(victimAnswers, a => a.At > acceptedAt);
            Assert.All(victimAnswers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.Gone, a.Status.ToString()));
        }

        // Commands answer as documented; other inventories are untouched (their views equal their folds).
        AssertProblem(await http.AddItemAsync(victim, "sword", 1), HttpStatusCode.Gone, "inventory-erased");
        AssertProblem(await http.AppendEventsAsync(victim, [("ItemAdded", "a", 1)]), HttpStatusCode.Gone, "inventory-erased");
        AssertProblem(await http.ExchangeAsync(ApiRequests.Transfer(others[2], victim, [("bow", 1)], "late-gift")), HttpStatusCode.Gone, "inventory-erased");
        foreach (var other in others)
        {
            var log = await http.ReadLogAsync(other);
            var view = await http.WaitForViewAsync(other, log[^1].Version);
            Assert.Equal(ItemsOf(Domain.Inventory.Fold(Domain.InventoryState.Empty, log).Items), ItemsOf(view.GetProperty("items")));
        }

        // Settled: the change feed has moved past the job (a new event is on the board), and redeliveries are forced:
        // a rebuild of the victim, a poison replay. Then nothing of it may exist anywhere.
        Assert.Equal(HttpStatusCode.Created, (await http.AddItemAsync(others[3], "settle", 5)).Status);
        await WaitForBoardAsync(http, CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(stack.Events), 100));
        AssertProblem(await http.ExchangeAsync(ApiRequests.Rebuild($"{{\"inventoryId\":\"{victim}\"}}")), HttpStatusCode.NotFound, "inventory-not-found");
        Assert.Equal(HttpStatusCode.OK, (await http.SendJsonAsync(HttpMethod.Post, "projections/poison/replay")).Status);
        await Task.Delay(TimeSpan.FromSeconds(2)); // 10 poll delays of the change feed
        await AssertNoTraceAsync(stack, victim);
        Assert.Equal(CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(stack.Events), 100), Items(await http.GetJsonAsync("most-collected?top=100")));
        var board = await http.GetJsonAsync("most-collected?top=100");
        Assert.DoesNotContain(victim, board.Body.GetRawText(), StringComparison.Ordinal);
        AssertProblem(await http.GetJsonAsync($"inventories/{victim}"), HttpStatusCode.NotFound, "inventory-not-found");
        AssertProblem(await http.GetJsonAsync("erasures/0123456789abcdef0123456789abcdef"), HttpStatusCode.NotFound, "erasure-job-not-found");
    }

    internal static async Task AssertNoTraceAsync(LocalStack stack, string victim)
    {
        var database = stack.Client.GetDatabase(stack.Options.DatabaseName);
        foreach (var name in new[] { stack.Options.EventsContainerName, stack.Options.ProjectionsContainerName })
        {
            using var feed = database.GetContainer(name).GetItemQueryStreamIterator(new QueryDefinition("SELECT * FROM c"));
            while (feed.HasMoreResults)
            {
                using var page = await feed.ReadNextAsync();
                using var body = await JsonDocument.ParseAsync(page.Content);
                foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
                    Assert.False(document.GetRawText().Contains(victim, StringComparison.Ordinal), $"{name}: {document.GetRawText()}");
            }
        }
    }

    private static async Task<JsonElement> WaitForJobAsync(HttpClient http, string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonReply last;
        do
        {
            last = await http.GetJsonAsync($"erasures/{jobId}");
            Assert.Equal(HttpStatusCode.OK, last.Status);
            if (last.Body.GetProperty("state").GetString() == "completed")
                return last.Body;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"The erasure did not complete: {last}");
        return default;
    }

    internal static async Task WaitForBoardAsync(HttpClient http, IReadOnlyList<(string ItemId, long Collected)> expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<(string, long)> last;
        do
        {
            last = Items(await http.GetJsonAsync("most-collected?top=100"));
            if (last.SequenceEqual(expected))
                return;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(expected, last);
    }

    private static List<(string ItemId, long Collected)> Items(JsonReply reply)
    {
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return [.. reply.Body.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64()))];
    }

    private static SortedDictionary<string, int> ItemsOf(IEnumerable<KeyValuePair<string, int>> items) => new(items.ToDictionary(), StringComparer.Ordinal);

    private static SortedDictionary<string, int> ItemsOf(JsonElement items) =>
        new(items.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()), StringComparer.Ordinal);
}
