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
/// projector (and the age of its oldest unprojected change), health states from the published status and their cost,
/// parked inventories, the poison queue listed and replayed after a repair.
/// </summary>
public sealed class OperationsTests
{
    // How long a wait may take (never a timing assertion): a projector instance that has just started acquires its
    // leases first, which took over 10 s when the whole suite ran beside other builds on 2 cores.
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    // A status timer instance starts (a worker process) and then publishes every second.
    private static readonly TimeSpan Published = TimeSpan.FromSeconds(30);

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
    public async Task Lag_age_and_health_follow_a_stopped_projector_and_recover_when_it_runs_again()
    {
        await using var ops = await OwnStack.StartAsync(Settings(lagThreshold: 2));
        var inventoryId = LocalStack.NewInventoryId("lag");

        var beforeTimer = DateTimeOffset.UtcNow;
        await ops.StartStatusTimerAsync();
        var neverStarted = await ops.PublishedHealthAsync(beforeTimer, Published);
        await ops.StartProjectorAsync();
        await ops.Http.WaitForViewAsync(inventoryId, await AddAsync(ops.Http, inventoryId, "sword"), Within);
        var caughtUp = await ops.WaitForNoLagAsync(Within);
        var runningLease = (await ops.StatusAsync()).Body.GetProperty("functions").EnumerateArray()
            .Single(f => f.GetProperty("function").GetString() == "ProjectInventory").GetProperty("leases")[0];
        var healthy = await ops.PublishedHealthAsync(DateTimeOffset.UtcNow, Published);

        await ops.StopProjectorAsync();
        var beforeWrites = DateTimeOffset.UtcNow;
        long version = 0;
        for (var i = 0; i < 3; i++)
            version = await AddAsync(ops.Http, inventoryId, "shield");
        var wait = TimeSpan.FromSeconds(3);
        await Task.Delay(wait);
        var behind = await ops.LagAsync();
        var sinceFirstWrite = DateTimeOffset.UtcNow - beforeWrites;
        var degraded = await ops.PublishedHealthAsync(DateTimeOffset.UtcNow, Published);

        await ops.StartProjectorAsync();
        await ops.Http.WaitForViewAsync(inventoryId, version, Within);
        var recovered = await ops.WaitForNoLagAsync(Within);

        // No leases yet: the estimator has nothing to measure, and health says the function has not started.
        Assert.Equal(HttpStatusCode.OK, neverStarted.Status);
        Assert.Equal("degraded", neverStarted.Body.GetProperty("status").GetString());
        Assert.Contains(Reasons(neverStarted), r => r.Contains("has not started", StringComparison.Ordinal));
        Assert.Equal(0, caughtUp.Documents);
        Assert.Null(caughtUp.OldestAgeSeconds);
        Assert.True(caughtUp.Leases >= 1, "the projector's leases are found under its processor name (the lease prefix)");
        // A running owner renews its lease every 10 s: written well within the 30 s expiration, so not flagged.
        Assert.InRange(runningLease.GetProperty("renewedAgeSeconds").GetDouble(), 0, 30);
        Assert.False(runningLease.GetProperty("unrenewed").GetBoolean());
        Assert.False(string.IsNullOrEmpty(runningLease.GetProperty("owner").GetString()));
        Assert.Equal("healthy", healthy.Body.GetProperty("status").GetString());
        Assert.Equal("ok", healthy.Body.GetProperty("cosmos").GetString());
        Assert.Equal("ok", healthy.Body.GetProperty("storage").GetString());
        // Three appends not projected: at least three changes (each append also rewrites the head document).
        Assert.True(behind.Documents >= 3, $"estimated {behind.Documents}");
        // The oldest unprojected change was written after beforeWrites and at least `wait` ago (_ts is whole seconds, rounded down).
        Assert.NotNull(behind.OldestAgeSeconds);
        Assert.InRange(behind.OldestAgeSeconds.Value, wait.TotalSeconds, sinceFirstWrite.TotalSeconds + 1);
        Assert.Equal(HttpStatusCode.OK, degraded.Status);
        Assert.Equal("degraded", degraded.Body.GetProperty("status").GetString());
        Assert.Contains(Reasons(degraded), r => r.StartsWith("ProjectInventory:", StringComparison.Ordinal) && r.Contains("threshold 2", StringComparison.Ordinal));
        Assert.Equal(behind.Documents, degraded.Body.GetProperty("lagDocuments").GetProperty("ProjectInventory").GetInt64());
        Assert.True(degraded.Body.GetProperty("oldestUnprojectedAgeSeconds").GetProperty("ProjectInventory").GetDouble() >= wait.TotalSeconds);
        Assert.Equal(0, recovered.Documents);
    }

    [Fact]
    public async Task A_fresh_app_whose_projectors_run_turns_healthy_without_waiting_for_the_status_timer()
    {
        // The status timer stays off: before health computed a missing status live, this app said "degraded: none
        // published yet" until the timer's first run (up to a minute after start on the real schedule).
        await using var ops = await OwnStack.StartAsync(Settings());
        await ops.StartProjectorAsync();

        var seen = new List<string>();
        var health = await Eventually.UntilAsync("health to say healthy", async () =>
        {
            var health = await ops.HealthAsync();
            Assert.True(health.Status == HttpStatusCode.OK, health.ToString());
            return health;
        }, health =>
        {
            var healthy = health.Body.GetProperty("status").GetString() == "healthy";
            if (!healthy)
                seen.AddRange(Reasons(health));
            return healthy;
        }, Within, TimeSpan.FromMilliseconds(500));

        Assert.Equal(JsonValueKind.String, health.Body.GetProperty("statusPublishedAt").ValueKind);
        // Meanwhile only what was true for a moment: the processors had not taken their leases yet.
        Assert.All(seen, reason => Assert.Contains("has not started", reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_uncached_health_call_costs_one_Cosmos_request_and_a_cached_answer_costs_none()
    {
        var settings = Settings(healthCacheSeconds: 0);
        // Only HTTP on the app under test: no change feed polls on its wire.
        foreach (var function in InventoryFunctions.Functions.ChangeFeedFunctions.All)
            settings[$"AzureWebJobs.{function.Name}.Disabled"] = "true";
        await using var uncached = await OwnStack.StartAsync(settings);
        await uncached.StartProjectorAsync();
        var inventoryId = LocalStack.NewInventoryId("cost");
        await uncached.Http.WaitForViewAsync(inventoryId, await AddAsync(uncached.Http, inventoryId, "sword"), Within);
        var beforeTimer = DateTimeOffset.UtcNow;
        await uncached.StartStatusTimerAsync();
        await uncached.PublishedHealthAsync(beforeTimer, Published); // also the client's one-time metadata reads, which are not the check's cost

        uncached.Requests.Reset();
        var health = await uncached.HealthAsync();
        var perCall = uncached.Requests.DataRequests;

        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.True(perCall.Count <= 2, $"{perCall.Count} Cosmos requests: {string.Join("; ", perCall)}");
        // The one it makes: a point read of the published status in the projections container.
        var read = Assert.Single(perCall);
        Assert.Equal("projections", read.Container);
        Assert.Equal(200, read.Status);

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
    public async Task A_parked_inventory_is_counted_in_the_status_and_health_until_a_rebuild_releases_it()
    {
        await using var ops = await OwnStack.StartAsync(Settings());
        await ops.StartProjectorAsync();
        await ops.StartStatusTimerAsync();
        var inventoryId = LocalStack.NewInventoryId("parked");
        var now = DateTimeOffset.UtcNow;
        await ops.Stack.Events.ImportAsync(inventoryId, [new RecordedEvent(2, now, new ItemAdded("shield", 1))]); // version 1 is missing

        await WaitForParkedViewAsync(ops.Http, inventoryId);
        var parkedAt = DateTimeOffset.UtcNow;
        var status = await ops.StatusAsync();
        var health = await ops.PublishedHealthAsync(parkedAt, Published);

        await ops.Stack.Events.ImportAsync(inventoryId, [new RecordedEvent(1, now, new ItemAdded("sword", 1))]); // the repair
        var rebuilt = await ops.Http.ExchangeAsync(ApiRequests.Rebuild(JsonSerializer.Serialize(new { inventoryId })));
        var releasedAt = DateTimeOffset.UtcNow;
        var statusAfter = await ops.StatusAsync();
        var healthAfter = await ops.PublishedHealthAsync(releasedAt, Published);

        var parked = status.Body.GetProperty("parked");
        Assert.Equal(1, parked.GetProperty("count").GetInt32());
        var first = Assert.Single(parked.GetProperty("first").EnumerateArray());
        Assert.Equal(inventoryId, first.GetProperty("inventoryId").GetString());
        Assert.Equal(0, first.GetProperty("version").GetInt64());
        Assert.Contains("missing", first.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("degraded", health.Body.GetProperty("status").GetString());
        Assert.Equal(1, health.Body.GetProperty("parkedInventories").GetInt32());
        Assert.Contains(Reasons(health), r => r.StartsWith("1 inventory parked", StringComparison.Ordinal) && r.Contains(inventoryId, StringComparison.Ordinal));
        Assert.True(rebuilt.Status == HttpStatusCode.OK, rebuilt.ToString());
        Assert.Equal(0, statusAfter.Body.GetProperty("parked").GetProperty("count").GetInt32());
        Assert.Equal(0, healthAfter.Body.GetProperty("parkedInventories").GetInt32());
        Assert.DoesNotContain(Reasons(healthAfter), r => r.Contains("parked", StringComparison.Ordinal) && !r.Contains("poison", StringComparison.Ordinal));
    }

    private static async Task WaitForParkedViewAsync(HttpClient http, string inventoryId)
    {
        // The projector fails on the hole at each delivery and parks the view after a few.
        await Eventually.UntilAsync($"the view of {inventoryId} to be parked", () => http.GetJsonAsync($"inventories/{inventoryId}"),
            reply => reply.Status == HttpStatusCode.OK && reply.Headers!.Contains("Projection-Parked"));
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
        var list = await Eventually.UntilAsync($"a poison message about {inventoryId} listed", async () =>
        {
            var list = await http.GetJsonAsync("projections/poison");
            Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
            return list;
        }, list => list.Body.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("inventoryId").GetString() == inventoryId), Within);
        return list.Body.GetProperty("messages").EnumerateArray().First(m => m.GetProperty("inventoryId").GetString() == inventoryId);
    }
}
