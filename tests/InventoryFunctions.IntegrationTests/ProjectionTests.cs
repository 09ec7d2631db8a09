using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The change-feed projections end to end: writes over HTTP to the app's worker under the local Functions host, the
/// host's Cosmos DB trigger (a change feed processor as the extension runs it) invoking <c>ProjectInventory</c> in the
/// worker against the Cosmos dev server, reads over HTTP, the poison queue in Azurite.
/// Measured numbers (projection lag, Cosmos requests per GET) are written to the test output.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ProjectionTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const string ProblemJson = "application/problem+json";
    private const string ProblemTypes = "https://inventoryfunctions.dev/problems/";
    private static readonly TimeSpan VisibleWithin = TimeSpan.FromSeconds(5);

    /// <summary>How long a just-started processor (a new worker process) may take to acquire its leases and project.</summary>
    private static readonly TimeSpan ProcessorStartWithin = TimeSpan.FromSeconds(30);

    // ---- Helpers ------------------------------------------------------------------------------------------------

    private static async Task<long> AddAsync(HttpClient http, string inventoryId, string itemId, int quantity = 1) =>
        VersionOf(await http.AddItemAsync(inventoryId, itemId, quantity), HttpStatusCode.Created);

    /// <summary>The version after the removal, or null when it was refused (409: fewer held).</summary>
    private static async Task<long?> TryRemoveAsync(HttpClient http, string inventoryId, string itemId, int quantity = 1) =>
        await http.RemoveItemAsync(inventoryId, itemId, quantity) is { Status: not HttpStatusCode.Conflict } reply ? VersionOf(reply, HttpStatusCode.OK) : null;

    /// <summary>The version after the batch, or null when it was refused (409: a removal of more than held).</summary>
    private static async Task<long?> TryAppendAsync(HttpClient http, string inventoryId, IEnumerable<(string Type, string ItemId, int Quantity)> events) =>
        await http.AppendEventsAsync(inventoryId, events) is { Status: not HttpStatusCode.Conflict } reply ? VersionOf(reply, HttpStatusCode.Created) : null;

    private static long VersionOf(JsonReply reply, HttpStatusCode expected)
    {
        Assert.True(expected == reply.Status, $"Expected {(int)expected}, got {reply}");
        return reply.Body.GetProperty("version").GetInt64();
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls GET /inventories/{id} until the projection reaches <paramref name="version"/>; fails after <paramref name="within"/>.</summary>
    private static Task<JsonElement> WaitUntilProjectedAsync(HttpClient http, string inventoryId, long version, TimeSpan? within = null) =>
        http.WaitForViewAsync(inventoryId, version, within ?? VisibleWithin);

    private static Dictionary<string, int> Items(JsonElement view) =>
        view.GetProperty("items").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);

    private static async Task<(JsonElement Body, List<(string ItemId, long Collected)> Ranking)> MostCollectedAsync(HttpClient http, string inventoryId, string query = "")
    {
        using var response = await http.SendAsync(ApiRequests.MostCollected(inventoryId, query));
        var body = await JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal($"\"{body.GetProperty("version").GetInt64()}\"", response.Headers.ETag?.Tag);
        return (body, [.. body.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64()))]);
    }

    /// <summary>The whole log through GET /events, page by page.</summary>
    private static async Task<List<JsonElement>> ReadLogAsync(HttpClient http, string inventoryId, int pageSize)
    {
        var events = new List<JsonElement>();
        long? from = 1;
        while (from is { } next)
        {
            var page = await http.ExchangeAsync(ApiRequests.Events(inventoryId, next, pageSize));
            Assert.True(page.Status == HttpStatusCode.OK, $"GET events: {page}");
            events.AddRange(page.Body.GetProperty("events").EnumerateArray());
            from = ApiClient.NextFromVersion(page.Body);
        }
        return events;
    }

    /// <summary>Python's <c>Counter(added items in log order).most_common()</c>: by count, ties in first-added order.</summary>
    private static List<(string ItemId, long Collected)> MostCommon(IEnumerable<(string ItemId, int Quantity)> added)
    {
        var counter = new List<(string ItemId, long Count)>();
        foreach (var (itemId, quantity) in added)
        {
            var index = counter.FindIndex(c => c.ItemId == itemId);
            if (index < 0)
                counter.Add((itemId, quantity));
            else
                counter[index] = (itemId, counter[index].Count + quantity);
        }
        return [.. counter.Select((c, order) => (c, order)).OrderByDescending(x => x.c.Count).ThenBy(x => x.order).Select(x => x.c)];
    }

    /// <summary>Another app on the same servers, over <paramref name="database"/>: with or without its own change feed processor.</summary>
    private Task<LocalApp> StartAppAsync(string database, bool changeFeed, Action<CosmosRequestProxy>? configureWire = null) =>
        stack.StartAppAsync(new Dictionary<string, string?>
        {
            [AppSettings.DatabaseName] = database,
            [LocalStack.ChangeFeedSwitch] = changeFeed ? "false" : "true",
            // Only the inventory view's processor: these tests count what it is delivered.
            ["AzureWebJobs.ProjectDwellTime.Disabled"] = "true",
            ["AzureWebJobs.ProjectGlobalCollected.Disabled"] = "true",
        }, configureWire);

    private static HttpClient ClientOf(LocalApp app) => app.CreateHttpClient();

    // ---- Visibility ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Writes_via_HTTP_become_visible_via_GET_within_five_seconds()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("visible");
        await AddAsync(stack.Http, inventoryId, "sword", 2);
        await AddAsync(stack.Http, inventoryId, "shield");
        var version = await TryRemoveAsync(stack.Http, inventoryId, "sword");

        var view = await WaitUntilProjectedAsync(stack.Http, inventoryId, version!.Value);

        Assert.Equal(inventoryId, view.GetProperty("inventoryId").GetString());
        Assert.Equal(3, view.GetProperty("version").GetInt64());
        Assert.Equal(new Dictionary<string, int> { ["shield"] = 1, ["sword"] = 1 }, Items(view));
        var updatedAt = view.GetProperty("updatedAt").GetDateTimeOffset();
        Assert.InRange(updatedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        using var response = await stack.Http.GetAsync($"inventories/{inventoryId}");
        Assert.Equal("\"3\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Projection_lag_from_append_to_visible_stays_under_five_seconds()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("lag");
        var lags = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var version = await AddAsync(stack.Http, inventoryId, $"item-{i % 3}");
            var acknowledged = Stopwatch.StartNew();
            await WaitUntilProjectedAsync(stack.Http, inventoryId, version);
            lags.Add(acknowledged.Elapsed.TotalMilliseconds);
        }

        lags.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Projection lag (append acknowledged -> visible via GET), {lags.Count} writes, feed poll delay 1000 ms: p50 {lags[lags.Count / 2]:F0} ms, max {lags[^1]:F0} ms; all: {string.Join(", ", lags.Select(l => l.ToString("F0", CultureInfo.InvariantCulture)))}"));
        Assert.All(lags, lag => Assert.True(lag < VisibleWithin.TotalMilliseconds, $"{lag:F0} ms"));
    }

    // ---- Most collected -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Most_collected_ranks_by_total_ever_added_with_ties_to_the_item_first_added()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("ranking");
        // The tutorial: Counter(['sword', 'shield', 'potion', 'shield', 'sword']).most_common(3)
        foreach (var itemId in new[] { "sword", "shield", "potion", "shield", "sword" })
            await AddAsync(stack.Http, inventoryId, itemId);
        var version = await TryRemoveAsync(stack.Http, inventoryId, "sword", 2); // removals do not lower "collected"
        await WaitUntilProjectedAsync(stack.Http, inventoryId, version!.Value);

        var (body, top3) = await MostCollectedAsync(stack.Http, inventoryId, "?top=3");
        var (_, top1) = await MostCollectedAsync(stack.Http, inventoryId, "?top=1");
        var (_, byDefault) = await MostCollectedAsync(stack.Http, inventoryId);
        var (_, top100) = await MostCollectedAsync(stack.Http, inventoryId, "?top=100");

        Assert.Equal(inventoryId, body.GetProperty("inventoryId").GetString());
        Assert.Equal(6, body.GetProperty("version").GetInt64());
        Assert.Equal([("sword", 2L), ("shield", 2L), ("potion", 1L)], top3);
        Assert.Equal([("sword", 2L)], top1);
        Assert.Equal(top3, byDefault);
        Assert.Equal(top3, top100);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("x")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("")]
    public async Task Most_collected_with_a_top_outside_1_to_100_is_a_400_problem(string top)
    {
        using var response = await stack.Http.GetAsync($"inventories/{LocalStackFixture.NewInventoryId("top")}/most-collected?top={Uri.EscapeDataString(top)}");

        var problem = await JsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ProblemTypes + "validation-failed", problem.GetProperty("type").GetString());
        Assert.Equal(["top"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task Reads_of_an_inventory_with_no_events_yet_are_404_problems()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("none");

        foreach (var path in new[] { $"inventories/{inventoryId}", $"inventories/{inventoryId}/most-collected" })
        {
            using var response = await stack.Http.GetAsync(path);
            var problem = await JsonAsync(response, HttpStatusCode.NotFound);
            Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(ProblemTypes + "inventory-not-found", problem.GetProperty("type").GetString());
        }
    }

    // ---- Cost of a read -----------------------------------------------------------------------------------------

    [Fact]
    public async Task A_GET_costs_exactly_one_Cosmos_request_with_10_and_with_10000_events_in_the_history()
    {
        var small = LocalStackFixture.NewInventoryId("cost-10");
        var large = LocalStackFixture.NewInventoryId("cost-10000");
        var smallVersion = await TryAppendAsync(stack.Http, small, Enumerable.Range(0, 10).Select(i => ("ItemAdded", $"item-{i % 4}", i + 1)));
        var clock = Stopwatch.StartNew();
        long? largeVersion = null;
        for (var batch = 0; batch < 200; batch++)
            largeVersion = await TryAppendAsync(stack.Http, large, Enumerable.Range(0, 50).Select(i => ("ItemAdded", $"item-{(batch + i) % 12}", 1 + (i % 3))));
        var written = clock.Elapsed;
        await WaitUntilProjectedAsync(stack.Http, small, smallVersion!.Value);
        await WaitUntilProjectedAsync(stack.Http, large, largeVersion!.Value, TimeSpan.FromSeconds(60));
        output.WriteLine($"10,000 events written in {written.TotalSeconds:F1} s (200 appends of 50), projected {(clock.Elapsed - written).TotalSeconds:F1} s later");

        // A second app without a change feed processor, so that only the reads go over its wire.
        await using var reader = await StartAppAsync(stack.Options.DatabaseName, changeFeed: false);
        var requests = reader.Wire;
        using var http = ClientOf(reader);
        using (var warmUp = await http.GetAsync($"inventories/{small}"))
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        output.WriteLine($"First GET of a new client (metadata caches cold): {requests.Requests.Count} Cosmos requests: {string.Join(", ", requests.Requests)}");

        foreach (var (inventoryId, events) in new[] { (small, 10), (large, 10_000) })
        {
            foreach (var path in new[] { $"inventories/{inventoryId}", $"inventories/{inventoryId}/most-collected?top=3" })
            {
                requests.Reset();
                using var response = await http.GetAsync(path);
                var body = await JsonAsync(response, HttpStatusCode.OK);

                Assert.Equal(events, body.GetProperty("version").GetInt64());
                var request = Assert.Single(requests.Requests);
                Assert.Equal(("Read", "projections"), (request.Operation, request.Container));
                // Counts from the inventory view, most collected from the collected view's root.
                Assert.EndsWith(path.EndsWith("top=3", StringComparison.Ordinal) ? "/docs/collected" : "/docs/view", request.Path, StringComparison.Ordinal);
                output.WriteLine($"GET {path.Replace(inventoryId, "{id}", StringComparison.Ordinal)} with {events:N0} events in the history: {requests.Requests.Count} Cosmos request ({request})");
            }
        }
    }

    // ---- Poison -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_poison_document_reaches_the_poison_queue_and_the_inventorys_later_events_are_still_applied()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("poison");
        var at = DateTimeOffset.UtcNow;
        async Task WriteAsync(byte[] document)
        {
            using var response = await stack.Events.CreateItemStreamAsync(new MemoryStream(document), new PartitionKey(inventoryId));
            Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {response.ErrorMessage}");
        }

        // Written straight into the events container, as a bad import or a hand edit would.
        await WriteAsync(EventCodec.Encode(inventoryId, new RecordedEvent(1, at, new ItemAdded("sword", 2))));
        await WriteAsync(Encoding.UTF8.GetBytes(
            $$"""{"id":"2","inventoryId":"{{inventoryId}}","version":2,"type":"ItemExploded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}"""));
        await WriteAsync(EventCodec.Encode(inventoryId, new RecordedEvent(3, at, new ItemAdded("shield", 1))));
        await WriteAsync(EventCodec.Encode(inventoryId, new RecordedEvent(4, at, new ItemRemoved("sword", 1))));

        var view = await WaitUntilProjectedAsync(stack.Http, inventoryId, 4);

        Assert.Equal(new Dictionary<string, int> { ["shield"] = 1, ["sword"] = 1 }, Items(view));
        var message = await ReceivePoisonMessageAsync(inventoryId);
        Assert.Equal("2", message.GetProperty("documentId").GetString());
        Assert.Equal(2, message.GetProperty("version").GetInt64());
        Assert.Contains("ItemExploded", message.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, message.GetProperty("detectedAt").ValueKind);
    }

    /// <summary>
    /// Receives the poison queue's message about <paramref name="inventoryId"/> as an operator's tool would (Base64 JSON),
    /// and deletes it; other messages become visible again after a second.
    /// </summary>
    private async Task<JsonElement> ReceivePoisonMessageAsync(string inventoryId)
    {
        var queue = new QueueClient(stack.Azurite.ConnectionString, "projection-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var (received, message) = await Eventually.UntilAsync($"a poison message about {inventoryId}", async () =>
            (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1))).Value
                .Select(received => (Received: received, Message: JsonDocument.Parse(received.Body.ToString()).RootElement.Clone()))
                .FirstOrDefault(m => m.Message.GetProperty("partitionKey").GetString() == inventoryId),
            found => found.Received is not null, VisibleWithin, describe: _ => "none");
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        return message;
    }

    // ---- Restart ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Restarting_the_change_feed_processor_resumes_from_its_lease_without_double_counting()
    {
        // A database of its own, so the fixture's processor does not compete for these leases.
        const string database = "restart-test";
        await LocalStack.ProvisionAsync(stack.Stack.AppSettings(new Dictionary<string, string?> { [AppSettings.DatabaseName] = database }));
        var inventoryId = LocalStackFixture.NewInventoryId("restart");
        await using var writer = await StartAppAsync(database, changeFeed: false);
        using var http = ClientOf(writer);

        var processor = await StartAppAsync(database, changeFeed: true, KeepChangeFeed);
        var first = processor.Wire;
        try
        {
            await TryAppendAsync(http, inventoryId, [("ItemAdded", "sword", 2), ("ItemAdded", "shield", 1), ("ItemRemoved", "sword", 1)]);
            // A liveness bound, not a latency check: a new worker process acquiring its leases on a loaded machine.
            await WaitUntilProjectedAsync(http, inventoryId, 3, ProcessorStartWithin);
            await WaitForCheckpointAsync(database);
        }
        finally
        {
            foreach (var line in processor.Logs.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning))
                output.WriteLine("processor: " + line);
            await processor.DisposeAsync();
        }

        // Written while no processor runs: nothing projects them.
        await AddAsync(http, inventoryId, "sword", 3);
        await TryRemoveAsync(http, inventoryId, "shield");
        var last = await AddAsync(http, inventoryId, "potion");
        await Task.Delay(500);
        Assert.Equal(3, (await WaitUntilProjectedAsync(http, inventoryId, 3)).GetProperty("version").GetInt64());

        await using var restarted = await StartAppAsync(database, changeFeed: true, KeepChangeFeed);
        var second = restarted.Wire;
        var clock = Stopwatch.StartNew();
        var view = await WaitUntilProjectedAsync(http, inventoryId, last, ProcessorStartWithin);
        output.WriteLine($"Restarted processor caught up in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(6, view.GetProperty("version").GetInt64());
        Assert.Equal(new Dictionary<string, int> { ["potion"] = 1, ["sword"] = 4 }, Items(view));
        Assert.Equal([("sword", 5L), ("shield", 1L), ("potion", 1L)], (await MostCollectedAsync(http, inventoryId)).Ranking);
        // Resumed from the lease: the first instance was handed versions 1-3, the second only what came while stopped.
        Assert.Equal([1L, 2L, 3L], DeliveredVersions(first, inventoryId));
        Assert.Equal([4L, 5L, 6L], DeliveredVersions(second, inventoryId));
    }

    /// <summary>Waits until every lease of the database's leases container holds a continuation (a checkpoint).</summary>
    private async Task WaitForCheckpointAsync(string database)
    {
        var leases = stack.Client.GetContainer(database, "leases");
        await Eventually.UntilAsync($"a checkpoint on every lease in {database}/leases", async () =>
        {
            var documents = new List<JsonElement>();
            using var iterator = leases.GetItemQueryStreamIterator("SELECT * FROM c");
            while (iterator.HasMoreResults)
            {
                using var page = await iterator.ReadNextAsync();
                using var body = await JsonDocument.ParseAsync(page.Content);
                documents.AddRange(body.RootElement.GetProperty("Documents").EnumerateArray().Select(d => d.Clone()));
            }
            return documents;
        }, documents =>
        {
            var partitionLeases = documents.Where(d => d.TryGetProperty("LeaseToken", out _)).ToList();
            return partitionLeases.Count > 0 && partitionLeases.All(d => d.TryGetProperty("ContinuationToken", out var token) && token.ValueKind == JsonValueKind.String);
        }, VisibleWithin, TimeSpan.FromMilliseconds(50));
    }

    private static void KeepChangeFeed(CosmosRequestProxy wire) => wire.KeepBodiesOf.Add("ChangeFeed");

    /// <summary>
    /// The versions of the inventory's event documents that an app's change feed processor was handed, read from the
    /// change feed answers on its wire.
    /// </summary>
    private static List<long> DeliveredVersions(CosmosRequestProxy wire, string inventoryId)
    {
        var versions = new SortedSet<long>();
        foreach (var page in wire.Requests.Where(r => r.Operation == "ChangeFeed" && r.Status == 200 && r.Body is not null))
        {
            using var body = JsonDocument.Parse(page.Body!);
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                if (document.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number
                    && document.TryGetProperty("inventoryId", out var id) && id.GetString() == inventoryId)
                    versions.Add(version.GetInt64());
            }
        }
        return [.. versions];
    }

    // ---- A generated history ------------------------------------------------------------------------------------

    [Fact]
    public async Task A_generated_history_of_300_random_commands_projects_to_the_fold_of_its_event_log()
    {
        var random = new Random(20260501);
        string[] items = ["sword", "shield", "potion", "bow", "arrow", "gem"];
        var inventoryId = LocalStackFixture.NewInventoryId("history");
        long last = 0;
        int accepted = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++)
        {
            var version = random.Next(4) switch
            {
                0 or 1 => await AddAsync(stack.Http, inventoryId, items[random.Next(items.Length)], random.Next(1, 6)),
                2 => await TryRemoveAsync(stack.Http, inventoryId, items[random.Next(items.Length)], random.Next(1, 12)),
                _ => await TryAppendAsync(stack.Http, inventoryId, [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ =>
                    (random.Next(3) == 0 ? "ItemRemoved" : "ItemAdded", items[random.Next(items.Length)], random.Next(1, 4)))]),
            };
            if (version is { } v)
            {
                Assert.True(v > last, $"Version {v} after {last}");
                last = v;
                accepted++;
            }
            else
            {
                refused++;
            }
        }
        var written = clock.Elapsed;

        var view = await WaitUntilProjectedAsync(stack.Http, inventoryId, last);
        var log = await ReadLogAsync(stack.Http, inventoryId, pageSize: 100);
        output.WriteLine($"300 commands ({accepted} accepted, {refused} refused) wrote {log.Count} events in {written.TotalSeconds:F1} s; projected {(clock.Elapsed - written).TotalMilliseconds:F0} ms after the last ack");

        Assert.Equal(Enumerable.Range(1, (int)last).Select(v => (long)v), log.Select(e => e.GetProperty("version").GetInt64()));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var added = new List<(string ItemId, int Quantity)>();
        foreach (var e in log)
        {
            var itemId = e.GetProperty("itemId").GetString()!;
            var quantity = e.GetProperty("quantity").GetInt32();
            if (e.GetProperty("type").GetString() == EventTypes.ItemAdded)
            {
                counts[itemId] = counts.GetValueOrDefault(itemId) + quantity;
                added.Add((itemId, quantity));
            }
            else
            {
                counts[itemId] = counts.GetValueOrDefault(itemId) - quantity;
                Assert.True(counts[itemId] >= 0, $"The log takes {itemId} below zero at version {e.GetProperty("version")}");
            }
        }

        Assert.Equal(last, view.GetProperty("version").GetInt64());
        Assert.Equal(counts.Where(c => c.Value > 0).ToDictionary(StringComparer.Ordinal), Items(view));
        Assert.Equal(MostCommon(added), (await MostCollectedAsync(stack.Http, inventoryId, "?top=100")).Ranking);
        Assert.Equal(MostCommon(added).Take(3), (await MostCollectedAsync(stack.Http, inventoryId, "?top=3")).Ranking);
    }
}
