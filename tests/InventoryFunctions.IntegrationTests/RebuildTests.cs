using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// <c>POST /api/projections/rebuild</c> recomputes views from the log: after a view was deleted or corrupted it is
/// restored exactly; every inventory can be rebuilt at once; and a rebuild racing the change feed neither loses nor
/// doubles an event.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class RebuildTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private Container Projections => stack.Client.GetContainer(stack.Options.DatabaseName, stack.Options.ProjectionsContainerName);

    /// <summary>A few adds and removes through the app; waits until the change feed has projected them.</summary>
    private async Task<(string InventoryId, JsonElement View)> ProjectedInventoryAsync()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("rebuild");
        string[] commands =
        [
            """{"events":[{"type":"ItemAdded","itemId":"sword","quantity":3},{"type":"ItemAdded","itemId":"shield","quantity":1}]}""",
            """{"events":[{"type":"ItemRemoved","itemId":"sword","quantity":1},{"type":"ItemAdded","itemId":"potion","quantity":5}]}""",
            """{"events":[{"type":"ItemRemoved","itemId":"shield","quantity":1},{"type":"ItemAdded","itemId":"shield","quantity":2}]}""",
        ];
        foreach (var command in commands)
        {
            var reply = await stack.Http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/events", command);
            Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        }
        await stack.Http.WaitForViewAsync(inventoryId, 6);
        var (view, _) = (await Projections.ReadDocumentAsync("view", inventoryId))!.Value;
        return (inventoryId, view);
    }

    private Task<JsonReply> RebuildAsync(string? body, HttpClient? http = null) =>
        (http ?? stack.Http).ExchangeAsync(ApiRequests.Rebuild(body));

    /// <summary>The view the log implies: counts, and totals ever added in first-added order.</summary>
    private static (string Items, string Collected) Expected(IReadOnlyList<RecordedEvent> log)
    {
        var collected = new List<(string ItemId, long Collected)>();
        foreach (var e in log)
        {
            if (e.Event is not ItemAdded added)
                continue;
            var index = collected.FindIndex(c => c.ItemId == added.ItemId);
            if (index < 0)
                collected.Add((added.ItemId, added.Quantity));
            else
                collected[index] = (added.ItemId, collected[index].Collected + added.Quantity);
        }
        // Ranked as most-collected answers: larger totals first, ties in first-added order.
        var ranked = collected.Select((c, order) => (c, order)).OrderByDescending(x => x.c.Collected).ThenBy(x => x.order).Select(x => x.c);
        return (Describe(Inventory.Fold(InventoryState.Empty, log).Items), string.Join(", ", ranked.Select(c => $"{c.ItemId}:{c.Collected}")));
    }

    private static string CollectedOf(JsonElement view) =>
        string.Join(", ", view.GetProperty("collected").EnumerateArray().Select(c => $"{c.GetProperty("itemId").GetString()}:{c.GetProperty("collected").GetInt64()}"));

    /// <summary>What <c>GET …/most-collected?top=100</c> answers at <paramref name="version"/>, as <see cref="Expected"/> writes it.</summary>
    private async Task<string> MostCollectedAsync(string inventoryId, long version) =>
        string.Join(", ", (await stack.Http.GetJsonAsync($"inventories/{inventoryId}/most-collected?top=100&minVersion={version}")).Body.GetProperty("items").EnumerateArray()
            .Select(c => $"{c.GetProperty("itemId").GetString()}:{c.GetProperty("collected").GetInt64()}"));

    [Fact]
    public async Task A_hole_in_the_log_parks_the_view_reads_say_so_and_a_rebuild_after_the_repair_releases_it()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("parked");
        var now = DateTimeOffset.UtcNow;
        await stack.Events.ImportAsync(inventoryId, [new RecordedEvent(2, now, new ItemAdded("shield", 1))]); // version 1 is missing

        // Each projection fails on the hole at each delivery (about one a second) and parks its view after a few: the
        // inventory view, and on its own lease the dwell-time view. A view that only counts failures still reads as 404.
        foreach (var read in new[] { $"inventories/{inventoryId}", $"inventories/{inventoryId}/dwell-time" })
        {
            var parked = await Eventually.UntilAsync($"{read} to answer 200 with the view parked", () => stack.Http.GetJsonAsync(read), r => r.Status == HttpStatusCode.OK);
            Assert.True(parked.Headers!.Contains("Projection-Parked"), $"a read of a parked view carries Projection-Parked: {read}");
            Assert.Equal(0, parked.Body.GetProperty("version").GetInt64()); // nothing applied past the hole, nothing skipped
            Assert.Contains("missing", parked.Body.GetProperty("parked").GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        await stack.Events.ImportAsync(inventoryId, [new RecordedEvent(1, now, new ItemAdded("sword", 1))]); // the repair
        var rebuilt = await RebuildAsync(JsonSerializer.Serialize(new { inventoryId }));

        Assert.True(rebuilt.Status == HttpStatusCode.OK, rebuilt.ToString());
        Assert.Equal(2, rebuilt.Body.GetProperty("version").GetInt64());
        foreach (var read in new[] { $"inventories/{inventoryId}", $"inventories/{inventoryId}/dwell-time" })
        {
            using var released = await stack.Http.GetAsync(read);
            Assert.False(released.Headers.Contains("Projection-Parked"), read);
            var body = JsonDocument.Parse(await released.Content.ReadAsStringAsync()).RootElement;
            Assert.False(body.TryGetProperty("parked", out _), read);
            Assert.Equal(2, body.GetProperty("version").GetInt64());
        }
    }

    /// <summary>
    /// What a rebuild of one 10,000-event inventory costs at the wire: its log read once (one query, in pages) for every
    /// view, one read of the per-inventory views' roots, their writes in transactional batches, and its share of the
    /// global board. The views equal a fold of the log.
    /// </summary>
    [Fact]
    public async Task A_rebuild_of_a_10000_event_inventory_reads_its_log_once_for_every_view()
    {
        const int Events = 10_000;
        var settings = new Dictionary<string, string?> { [AppSettings.DatabaseName] = "rebuild-cost" };
        await LocalStack.ProvisionAsync(stack.Stack.AppSettings(settings));
        var events = stack.Client.GetContainer("rebuild-cost", stack.Options.EventsContainerName);
        var random = new Random(7);
        var held = new Dictionary<string, int>(StringComparer.Ordinal);
        var log = new List<RecordedEvent>();
        for (var version = 1; version <= Events; version++)
        {
            var itemId = "item-" + random.Next(200);
            InventoryEvent e = held.GetValueOrDefault(itemId) > 0 && random.Next(3) == 0 ? new ItemRemoved(itemId, 1) : new ItemAdded(itemId, 1 + random.Next(3));
            held[itemId] = held.GetValueOrDefault(itemId) + (e is ItemAdded ? e.Quantity : -e.Quantity);
            log.Add(new RecordedEvent(version, DateTimeOffset.UnixEpoch.AddDays(20_000).AddSeconds(version), e));
        }
        await events.ImportAsync("big", log);
        await using var app = await stack.Stack.StartAppAsync(settings);
        using var http = app.CreateHttpClient();
        app.Wire.Reset();

        var rebuilt = await http.ExchangeAsync(ApiRequests.Rebuild("""{"inventoryId":"big"}"""));

        Assert.True(rebuilt.Status == HttpStatusCode.OK, rebuilt.ToString());
        Assert.Equal(Events, rebuilt.Body.GetProperty("version").GetInt64());
        Assert.Equal(Describe(Inventory.Fold(InventoryState.Empty, log).Items), Describe(ItemsOf(rebuilt.Body.GetProperty("items"))));
        var requests = app.Wire.DataRequests;
        var logReads = requests.Where(r => r.Container == stack.Options.EventsContainerName).ToList();
        var views = requests.Where(r => r.Container == stack.Options.ProjectionsContainerName && r.PartitionKey == "[\"big\"]").ToList();
        var board = requests.Where(r => r.Container == stack.Options.ProjectionsContainerName && r.PartitionKey != "[\"big\"]").ToList();
        string Summary(IEnumerable<InventoryFunctions.Testing.CosmosRequest> of) => string.Join(", ", of.GroupBy(r => r.Operation).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()} ({g.Sum(r => r.RequestCharge):0} RU)"));
        output.WriteLine($"rebuild of {Events:N0} events: log {Summary(logReads)} ({logReads.Sum(r => r.ItemCount ?? 0):N0} documents); "
            + $"per-inventory views {Summary(views)}; global board {Summary(board)}");
        // The log once: one query, however many pages it answers in.
        Assert.All(logReads, r => Assert.Equal("Query", r.Operation));
        Assert.Equal(Events, logReads.Sum(r => r.ItemCount ?? 0));
        // The three per-inventory views: one read of their roots, then transactional batches only.
        Assert.Equal(["Query"], views.TakeWhile(r => r.Operation != "Batch").Select(r => r.Operation));
        Assert.All(views.SkipWhile(r => r.Operation != "Batch"), r => Assert.Equal("Batch", r.Operation));
    }

    [Fact]
    public async Task A_rebuild_after_the_view_was_deleted_restores_it_exactly()
    {
        var (inventoryId, original) = await ProjectedInventoryAsync();
        (await Projections.DeleteItemStreamAsync("view", new PartitionKey(inventoryId))).Dispose();
        AssertProblem(await stack.Http.GetJsonAsync($"inventories/{inventoryId}"), HttpStatusCode.NotFound, "inventory-not-found");

        var rebuilt = await RebuildAsync(JsonSerializer.Serialize(new { inventoryId }));

        Assert.True(rebuilt.Status == HttpStatusCode.OK, rebuilt.ToString());
        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.Equal(6, rebuilt.Body.GetProperty("version").GetInt64());
        var (items, collected) = Expected(log);
        Assert.Equal(items, Describe(ItemsOf(rebuilt.Body.GetProperty("items"))));
        Assert.Equal("potion:5, sword:3, shield:3", CollectedOf(rebuilt.Body)); // most collected first; ties in first-added order
        Assert.Equal("potion:5, sword:3, shield:3", collected); // the log implies the same ranking
        var (restored, _) = (await Projections.ReadDocumentAsync("view", inventoryId))!.Value;
        Assert.Equal(original.GetRawText(), restored.GetRawText());
        Assert.Equal(6, (await stack.Http.GetJsonAsync($"inventories/{inventoryId}")).Body.GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData("""{"id":"view","inventoryId":"{id}","garbage":true}""")]
    [InlineData("""{"id":"view","inventoryId":"{id}","version":"six","items":[1,2,3]}""")]
    [InlineData("""{"id":"view","inventoryId":"{id}","version":6,"items":{"sword":"two"},"collected":[],"updatedAt":"2026-05-01T12:00:00Z"}""")]
    public async Task A_rebuild_after_the_view_was_corrupted_restores_it_exactly(string garbage)
    {
        var (inventoryId, original) = await ProjectedInventoryAsync();
        using (var replaced = await Projections.ReplaceItemStreamAsync(
                   new MemoryStream(System.Text.Encoding.UTF8.GetBytes(garbage.Replace("{id}", inventoryId, StringComparison.Ordinal))), "view", new PartitionKey(inventoryId)))
            Assert.True(replaced.IsSuccessStatusCode, replaced.ErrorMessage);
        AssertProblem(await stack.Http.GetJsonAsync($"inventories/{inventoryId}"), HttpStatusCode.InternalServerError, "corrupt-projection");

        var rebuilt = await RebuildAsync(JsonSerializer.Serialize(new { inventoryId }));

        Assert.True(rebuilt.Status == HttpStatusCode.OK, rebuilt.ToString());
        var (restored, _) = (await Projections.ReadDocumentAsync("view", inventoryId))!.Value;
        Assert.Equal(original.GetRawText(), restored.GetRawText());
    }

    [Fact]
    public async Task The_projector_rebuilds_a_corrupted_view_from_the_log_on_the_next_event()
    {
        var (inventoryId, _) = await ProjectedInventoryAsync();
        using (var replaced = await Projections.ReplaceItemStreamAsync(
                   new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$"""{"id":"view","inventoryId":"{{inventoryId}}","garbage":true}""")), "view", new PartitionKey(inventoryId)))
            Assert.True(replaced.IsSuccessStatusCode, replaced.ErrorMessage);

        var added = await stack.Http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/items", """{"itemId":"sword","quantity":4}""");
        Assert.True(added.Status == HttpStatusCode.Created, added.ToString());

        var view = await stack.Http.WaitForViewAsync(inventoryId, 7);
        var log = await stack.Http.ReadLogAsync(inventoryId);
        var (stored, _) = (await Projections.ReadDocumentAsync("view", inventoryId))!.Value;
        Assert.Equal(Expected(log), (Describe(ItemsOf(view.GetProperty("items"))), await MostCollectedAsync(inventoryId, log.Count)));
    }

    [Fact]
    public async Task Rebuilding_every_inventory_is_a_job_that_restores_their_views()
    {
        var inventories = new List<(string Id, JsonElement View)>();
        for (var i = 0; i < 3; i++)
            inventories.Add(await ProjectedInventoryAsync());
        foreach (var (id, _) in inventories.Take(2))
            (await Projections.DeleteItemStreamAsync("view", new PartitionKey(id))).Dispose();

        var started = System.Diagnostics.Stopwatch.StartNew();
        var job = await RunRebuildAllAsync();
        output.WriteLine($"Rebuilt {job} in {started.ElapsedMilliseconds} ms");

        Assert.True(job.GetProperty("inventoriesRebuilt").GetInt32() >= inventories.Count, job.ToString());
        foreach (var (id, original) in inventories)
        {
            var (restored, _) = (await Projections.ReadDocumentAsync("view", id))!.Value;
            Assert.Equal(original.GetRawText(), restored.GetRawText());
        }
    }

    /// <summary>
    /// Starts a rebuild of every inventory (202) and polls its status until it has ended. A job that was already running
    /// (another test's) is waited for, then a new one is started, so that the one returned began after this call.
    /// </summary>
    private async Task<JsonElement> RunRebuildAllAsync()
    {
        var calledAt = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            string location;
            DateTimeOffset createdAt;
            using (var response = await stack.Http.SendAsync(ApiRequests.Rebuild(null)))
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {text}");
                location = response.Headers.Location!.ToString();
                createdAt = JsonDocument.Parse(text).RootElement.GetProperty("createdAt").GetDateTimeOffset();
            }
            var status = await Eventually.UntilAsync($"rebuild job {location} to end", async () =>
            {
                var reply = await stack.Http.GetJsonAsync(location["/api/".Length..]);
                Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
                return reply;
            }, reply => reply.Body.GetProperty("state").GetString() is "completed" or "failed", TimeSpan.FromSeconds(120));
            Assert.True(status.Body.GetProperty("state").GetString() == "completed", status.ToString());
            if (createdAt >= calledAt)
                return status.Body;
        }
        Assert.Fail("A rebuild job started before this call kept answering.");
        return default;
    }

    [Theory]
    [InlineData("""{"inventoryId":5}""", "inventoryId")]
    [InlineData("""{"inventoryId":null}""", "inventoryId")]
    [InlineData("""{"inventoryId":"bad id!"}""", "inventoryId")]
    [InlineData("""{"inventoryId":""}""", "inventoryId")]
    [InlineData("""["x"]""", "body")]
    [InlineData("\"x\"", "body")]
    [InlineData("{", "body")]
    public async Task A_rebuild_request_that_is_not_valid_is_400(string body, string field)
    {
        var reply = await RebuildAsync(body);

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), reply.ToString());
    }

    [Fact]
    public async Task A_rebuild_request_that_is_not_JSON_is_415()
    {
        var reply = await stack.Http.SendJsonAsync(HttpMethod.Post, "projections/rebuild", "inventoryId=x", "text/plain");

        AssertProblem(reply, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task A_rebuild_of_an_unknown_inventory_is_404_and_writes_no_view()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("nobody");

        var reply = await RebuildAsync(JsonSerializer.Serialize(new { inventoryId }));

        AssertProblem(reply, HttpStatusCode.NotFound, "inventory-not-found");
        Assert.Null(await Projections.ReadDocumentAsync("view", inventoryId));
    }

    [Fact]
    public async Task A_rebuild_racing_the_change_feed_neither_loses_nor_doubles_an_event()
    {
        var (inventoryId, _) = await ProjectedInventoryAsync();
        // Another instance rebuilds too, as a second Functions worker would.
        await using var other = await AppInstance.StartAsync(stack, snapshotInterval: 100);
        using var writing = new CancellationTokenSource();
        var random = Random.Shared;
        string[] items = ["sword", "shield", "potion"];

        async Task WriteAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var body = JsonSerializer.Serialize(new { itemId = items[random.Next(items.Length)], quantity = random.Next(1, 4) });
                var reply = await stack.Http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/items", body);
                Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
                await Task.Delay(random.Next(0, 30));
            }
        }

        // One rebuild after another, alternating between the two instances: each races the writers and the change feed.
        async Task<int> RebuildRepeatedlyAsync()
        {
            var rebuilds = 0;
            while (!writing.IsCancellationRequested)
            {
                var reply = await RebuildAsync(JsonSerializer.Serialize(new { inventoryId }), rebuilds % 2 == 0 ? stack.Http : other.Http);
                Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
                rebuilds++;
            }
            return rebuilds;
        }

        var rebuilding = RebuildRepeatedlyAsync();
        try
        {
            await Task.WhenAll(WriteAsync(20), WriteAsync(20));
        }
        finally
        {
            await writing.CancelAsync();
        }
        output.WriteLine($"{await rebuilding} rebuilds while 40 events were written");
        // One more event once the rebuilds are over: the change feed alone carries the view on from what they left.
        await WriteAsync(1);

        // Quiescence: the change feed catches up with the last event, and nothing moves afterwards.
        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.Equal(47, log.Count);
        await stack.Http.WaitForViewAsync(inventoryId, 47);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var (stored, _) = (await Projections.ReadDocumentAsync("view", inventoryId))!.Value;
        Assert.Equal(47, stored.GetProperty("version").GetInt64());
        Assert.Equal(Expected(log), (Describe(ItemsOf(stored.GetProperty("items"))), await MostCollectedAsync(inventoryId, log.Count)));
        Assert.Empty(stored.GetProperty("skippedVersions").EnumerateArray());
    }
}
