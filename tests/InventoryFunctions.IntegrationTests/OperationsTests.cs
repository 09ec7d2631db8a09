using System.Net;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// What an operator sees, each on a stack of its own: projection lag from the change feed estimator with a stopped
/// projector, health states and their cost, the poison queue listed and replayed after a repair.
/// </summary>
public sealed class OperationsTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private static Dictionary<string, string?> Settings(long lagThreshold = 1000, int healthCacheSeconds = 0) => new()
    {
        [AppSettings.ProjectionLagThreshold] = lagThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [AppSettings.HealthCacheSeconds] = LocalStack.Setting(healthCacheSeconds),
    };

    private static async Task<long> AddAsync(HttpClient http, string inventoryId, string itemId, int quantity = 1)
    {
        var reply = await http.AddItemAsync(inventoryId, itemId, quantity);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Body.GetProperty("version").GetInt64();
    }

    private static List<string> Reasons(JsonReply health) => [.. health.Body.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!)];

    [Fact]
    public async Task Lag_and_health_follow_a_stopped_projector_and_recover_when_it_runs_again()
    {
        await using var ops = await OwnStack.StartAsync(Settings(lagThreshold: 2));
        var inventoryId = LocalStack.NewInventoryId("lag");

        var neverStarted = await ops.HealthAsync();
        await ops.StartProjectorAsync();
        await ops.Http.WaitForViewAsync(inventoryId, await AddAsync(ops.Http, inventoryId, "sword"), Within);
        var caughtUp = await ops.WaitForNoLagAsync(Within);
        var healthy = await ops.HealthAsync();

        await ops.StopProjectorAsync();
        long version = 0;
        for (var i = 0; i < 3; i++)
            version = await AddAsync(ops.Http, inventoryId, "shield");
        var behind = await ops.LagAsync();
        var degraded = await ops.HealthAsync();

        await ops.StartProjectorAsync();
        await ops.Http.WaitForViewAsync(inventoryId, version, Within);
        var recovered = await ops.WaitForNoLagAsync(Within);

        // No leases yet: the estimator has nothing to measure, and health says the function has not started.
        Assert.Equal(HttpStatusCode.OK, neverStarted.Status);
        Assert.Equal("degraded", neverStarted.Body.GetProperty("status").GetString());
        Assert.Contains(Reasons(neverStarted), r => r.Contains("has not started", StringComparison.Ordinal));
        Assert.Equal(0, caughtUp.Documents);
        Assert.True(caughtUp.Leases >= 1, "the projector's leases are found under its processor name (the lease prefix)");
        Assert.Equal("healthy", healthy.Body.GetProperty("status").GetString());
        Assert.Equal("ok", healthy.Body.GetProperty("cosmos").GetString());
        Assert.Equal("ok", healthy.Body.GetProperty("storage").GetString());
        // Three appends not projected: at least three changes (each append also rewrites the head document).
        Assert.True(behind.Documents >= 3, $"estimated {behind.Documents}");
        Assert.Equal(HttpStatusCode.OK, degraded.Status);
        Assert.Equal("degraded", degraded.Body.GetProperty("status").GetString());
        Assert.Contains(Reasons(degraded), r => r.StartsWith("ProjectInventory:", StringComparison.Ordinal) && r.Contains("threshold 2", StringComparison.Ordinal));
        Assert.Equal(behind.Documents, degraded.Body.GetProperty("lagDocuments").GetProperty("ProjectInventory").GetInt64());
        Assert.Equal(0, recovered.Documents);
    }

    [Fact]
    public async Task Health_costs_one_lease_query_and_one_change_feed_read_per_lease_and_a_cached_answer_costs_none()
    {
        await using var uncached = await OwnStack.StartAsync(Settings(healthCacheSeconds: 0));
        await uncached.StartProjectorAsync();
        var inventoryId = LocalStack.NewInventoryId("cost");
        await uncached.Http.WaitForViewAsync(inventoryId, await AddAsync(uncached.Http, inventoryId, "sword"), Within);
        await uncached.WaitForNoLagAsync(Within);
        await uncached.HealthAsync(); // the client's one-time metadata reads (container, ranges) are not the check's cost

        uncached.Requests.Reset();
        var health = await uncached.HealthAsync();
        var perCall = uncached.Requests.DataRequests;
        var leases = (await uncached.LagAsync()).Leases;

        Assert.Equal("healthy", health.Body.GetProperty("status").GetString());
        // The SDK's estimator, per change-feed function: one change-feed read per lease, and one query of its leases,
        // which on Linux (Flex Consumption included) costs two requests: the gateway's query plan, then the query.
        var functions = InventoryFunctions.Functions.ChangeFeedFunctions.All.Count;
        // This app also runs the processors, which poll the same feed on the same wire: at most one poll of each lease
        // (1 s poll delay) can fall inside the health call.
        var feedReads = perCall.Count(r => r.Operation == "ChangeFeed" && r.Container == "events");
        // Locally each function has one lease (one partition key range), so at least one estimator read per function.
        Assert.True(leases >= 1, "the projector holds leases");
        Assert.True(feedReads >= functions && feedReads <= 2 * functions, string.Join("; ", perCall));
        Assert.True(perCall.Count(r => r.Operation == "Query" && r.Container == "leases") <= 2 * functions, string.Join("; ", perCall));
        Assert.True(perCall.Count - feedReads <= 2 * functions, $"{perCall.Count} requests: {string.Join("; ", perCall)}");

        await using var cachedApp = await uncached.Stack.StartAppAsync(Settings(healthCacheSeconds: 600));
        using var cachedHttp = cachedApp.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await cachedHttp.GetJsonAsync("health")).Status);
        var firstCall = cachedApp.Wire.DataRequests.Count;
        cachedApp.Wire.Reset();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await cachedHttp.GetJsonAsync("health")).Status);

        Assert.True(firstCall > 0, "the first call asks Cosmos DB");
        Assert.Empty(cachedApp.Wire.DataRequests);
    }

    [Fact]
    public async Task Health_is_503_unhealthy_naming_Storage_when_the_poison_queue_cannot_be_reached()
    {
        await using var ops = await OwnStack.StartAsync(Settings());
        var settings = Settings();
        // An account on a port nothing listens on.
        settings[AppSettings.PoisonQueueConnection] =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        await using var app = await ops.Stack.StartAppAsync(settings);
        using var http = app.CreateHttpClient();

        var health = await http.GetJsonAsync("health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.Equal("application/problem+json", health.MediaType);
        Assert.Equal("unhealthy", health.Body.GetProperty("health").GetString());
        Assert.Equal("unreachable", health.Body.GetProperty("storage").GetString());
        Assert.Equal("ok", health.Body.GetProperty("cosmos").GetString());
    }

    [Fact]
    public async Task A_poison_document_is_listed_stays_until_repaired_and_replay_then_applies_it_once()
    {
        await using var ops = await OwnStack.StartAsync(Settings());
        await ops.StartProjectorAsync();
        var inventoryId = LocalStack.NewInventoryId("replay");
        var events = ops.Stack.Events;
        await AddAsync(ops.Http, inventoryId, "sword", 2);
        var bad = Encoding.UTF8.GetBytes(
            $$"""{"id":"2","inventoryId":"{{inventoryId}}","version":2,"type":"ItemExploded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""");
        using (var created = await events.CreateItemStreamAsync(new MemoryStream(bad), new PartitionKey(inventoryId)))
            Assert.True(created.IsSuccessStatusCode, created.ErrorMessage);
        await ops.Http.WaitForViewAsync(inventoryId, 2, Within);

        var listed = await WaitForPoisonAsync(ops.Http, inventoryId);
        var health = await ops.HealthAsync();
        var whileBroken = await ops.Http.SendJsonAsync(HttpMethod.Post, "projections/poison/replay");
        var stillListed = await ops.Http.GetJsonAsync("projections/poison?limit=32");

        // The operator repairs the document in place (what it should have said); the projector, past version 2, ignores it.
        var repaired = EventCodec.Encode(inventoryId, new RecordedEvent(2, DateTimeOffset.Parse("2026-05-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture), new ItemAdded("shield", 1)));
        using (var replaced = await events.ReplaceItemStreamAsync(new MemoryStream(repaired), "2", new PartitionKey(inventoryId)))
            Assert.True(replaced.IsSuccessStatusCode, replaced.ErrorMessage);
        var replayed = await ops.Http.SendJsonAsync(HttpMethod.Post, "projections/poison/replay");
        var again = await ops.Http.SendJsonAsync(HttpMethod.Post, "projections/poison/replay");
        var view = await ops.Http.GetJsonAsync($"inventories/{inventoryId}");
        var afterwards = await ops.Http.GetJsonAsync("projections/poison");

        Assert.Equal("2", listed.GetProperty("documentId").GetString());
        Assert.Equal(2, listed.GetProperty("version").GetInt64());
        Assert.Contains("ItemExploded", listed.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("degraded", health.Body.GetProperty("status").GetString());
        Assert.Contains(Reasons(health), r => r.Contains("poison", StringComparison.Ordinal));
        Assert.Equal(0, whileBroken.Body.GetProperty("replayed").GetInt32());
        Assert.Contains(whileBroken.Body.GetProperty("messages").EnumerateArray(), m => m.GetProperty("outcome").GetString() == "still-undecodable");
        Assert.Contains(stillListed.Body.GetProperty("messages").EnumerateArray(), m => m.GetProperty("inventoryId").GetString() == inventoryId);
        Assert.Equal(1, replayed.Body.GetProperty("replayed").GetInt32());
        Assert.Equal(0, again.Body.GetProperty("replayed").GetInt32());
        Assert.Empty(again.Body.GetProperty("messages").EnumerateArray());
        Assert.Equal(2, view.Body.GetProperty("items").GetProperty("sword").GetInt32());
        Assert.Equal(1, view.Body.GetProperty("items").GetProperty("shield").GetInt32());
        Assert.Empty(afterwards.Body.GetProperty("messages").EnumerateArray());
    }

    [Theory]
    [InlineData("projections/poison?limit=0")]
    [InlineData("projections/poison?limit=33")]
    [InlineData("projections/poison?limit=x")]
    public async Task Bad_poison_limits_are_400_problems(string path)
    {
        await using var ops = await OwnStack.StartAsync();

        var reply = await ops.Http.GetJsonAsync(path);
        var replay = await ops.Http.SendJsonAsync(HttpMethod.Post, path.Replace("poison", "poison/replay", StringComparison.Ordinal));

        HistoryApi.AssertProblem(reply, HttpStatusCode.BadRequest, "validation-failed");
        HistoryApi.AssertProblem(replay, HttpStatusCode.BadRequest, "validation-failed");
    }

    private static async Task<JsonElement> WaitForPoisonAsync(HttpClient http, string inventoryId)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var list = await http.GetJsonAsync("projections/poison");
            Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
            foreach (var message in list.Body.GetProperty("messages").EnumerateArray())
            {
                if (message.GetProperty("inventoryId").GetString() == inventoryId)
                    return message;
            }
            if (clock.Elapsed > Within)
                Assert.Fail($"No poison message about {inventoryId} listed within {Within.TotalSeconds:F0} s: {list}");
            await Task.Delay(100);
        }
    }
}
