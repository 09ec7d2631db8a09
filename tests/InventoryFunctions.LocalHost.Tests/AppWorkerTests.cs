using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Xunit.Abstractions;

namespace InventoryFunctions.LocalHost.Tests;

/// <summary>
/// The app's own build output (InventoryFunctions.dll) on the local host, against a Cosmos DB dev server reached
/// through a counting proxy.
/// </summary>
public sealed class AppWorkerFixture : IAsyncLifetime
{
    public CosmosDevServer Cosmos { get; private set; } = null!;
    public CosmosRequestProxy Wire { get; private set; } = null!;
    public CosmosClient Client { get; private set; } = null!;
    public HostedApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cosmos = await CosmosDevServer.StartAsync();
        Client = Cosmos.CreateClient();
        Wire = await CosmosRequestProxy.StartAsync(Cosmos.Endpoint);
        var settings = new Dictionary<string, string?>
        {
            ["CosmosDb"] = Wire.ConnectionString,
            ["CosmosDatabaseName"] = "inventory",
            ["EventsContainerName"] = "events",
            ["ProjectionsContainerName"] = "projections",
            ["LeasesContainerName"] = "leases",
            // Only read when a document cannot be projected, which these tests do not do.
            ["PoisonQueueStorage"] = "UseDevelopmentStorage=true",
            ["LocalHost:FeedPollDelayMs"] = "200",
            // No Azurite here: the rebuild queue's trigger would only log that it cannot poll.
            ["AzureWebJobs.RebuildProjectionsPage.Disabled"] = "true",
        };
        var scriptRoot = HostedApp.OutputOf("src/InventoryFunctions", "InventoryFunctions.dll");
        // No Azurite here: provision Cosmos DB only (a null setting is removed).
        await LocalProvisioner.EnsureAsync(HostSettings.Load(scriptRoot, new Dictionary<string, string?>(settings) { ["PoisonQueueStorage"] = null }), TextWriter.Null);
        App = await HostedApp.StartAsync(scriptRoot, settings);
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
            await App.DisposeAsync();
        if (Wire is not null)
            await Wire.DisposeAsync();
        Client?.Dispose();
        if (Cosmos is not null)
            await Cosmos.DisposeAsync();
    }
}

public sealed class AppWorkerTests(AppWorkerFixture fixture, ITestOutputHelper output) : IClassFixture<AppWorkerFixture>
{
    private HostedApp App => fixture.App;

    [Fact]
    public async Task The_worker_is_a_separate_process_running_the_app_assembly()
    {
        using var health = await App.Http.GetAsync("explorer");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        var pid = App.Workers.WorkerProcessId ?? throw new InvalidOperationException("No worker is running.");
        Assert.NotEqual(Environment.ProcessId, pid);
        var commandLine = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Split('\0');
        Assert.Equal(Path.Combine(App.ScriptRoot, "InventoryFunctions.dll"), commandLine[1]);
        Assert.Contains("--functions-uri", commandLine);
        Assert.Contains("--functions-worker-id", commandLine);
    }

    [Fact]
    public async Task The_metadata_received_over_gRPC_equals_the_generated_functions_metadata()
    {
        var received = (await App.Workers.FunctionsLoaded).ToDictionary(f => f.Name);
        var generated = FunctionMetadata.ReadFile(Path.Combine(App.ScriptRoot, "functions.metadata")).ToDictionary(f => f.Name);

        Assert.Equal(generated.Keys.Order(StringComparer.Ordinal), received.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in generated)
        {
            var actual = received[name];
            Assert.Equal(expected.EntryPoint, actual.EntryPoint);
            Assert.Equal(expected.ScriptFile, actual.ScriptFile);
            Assert.Equal(expected.Retry, actual.Retry);
            Assert.Equal(expected.Bindings.Count, actual.Bindings.Count);
            foreach (var binding in expected.Bindings)
            {
                var match = actual.Bindings.SingleOrDefault(b => (string?)b["name"] == (string?)binding["name"]);
                Assert.True(match is not null && JsonNode.DeepEquals(Normalize(binding), Normalize(match)),
                    $"{name}: binding {binding.ToJsonString()} arrived as {match?.ToJsonString() ?? "nothing"}");
            }
        }
        Assert.NotNull(received["ProjectInventory"].Retry);
        Assert.Equal("inventories/{inventoryId}/items", (string?)received["AddItem"].Trigger!["route"]);
    }

    [Fact]
    public async Task The_projection_triggers_name_their_leases_by_their_prefix_alone_as_the_extension_does()
    {
        var inventoryId = "lease-" + Guid.NewGuid().ToString("N");
        using var write = await App.Http.PostAsJsonAsync($"inventories/{inventoryId}/items", new { itemId = "sword", quantity = 1 });
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        await WaitForViewAsync(inventoryId);

        var ids = await LeaseIdsAsync();
        Assert.NotEmpty(ids);
        // The processor name is the trigger's LeaseContainerPrefix alone (not prefix + function name, as the old dev
        // host had it), so every lease id is one function's prefix followed by the account host.
        var prefixes = InventoryFunctions.Functions.ChangeFeedFunctions.All.Select(f => f.ProcessorName + fixture.Wire.Endpoint.Host + "_").ToList();
        Assert.All(ids, id => Assert.Contains(prefixes, prefix => id.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Contains(ids, id => id.StartsWith(InventoryFunctions.Functions.ProjectInventoryFunction.LeasePrefix + fixture.Wire.Endpoint.Host + "_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_worker_s_round_trips_are_counted_at_the_wire_by_container_and_partition()
    {
        var inventoryId = "wire-" + Guid.NewGuid().ToString("N");
        using (var write = await App.Http.PostAsJsonAsync($"inventories/{inventoryId}/items", new { itemId = "sword", quantity = 1 }))
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        // A command on an inventory this worker has not seen: one head read (a single-partition query for the head and
        // its item shards), one batch.
        Assert.Equal(["Query", "Batch"], fixture.Wire.For("events", inventoryId).Select(r => r.Operation));

        await WaitForViewAsync(inventoryId);
        fixture.Wire.Reset();
        using (var read = await App.Http.GetAsync($"inventories/{inventoryId}"))
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(["Read"], fixture.Wire.For("projections", inventoryId).Select(r => r.Operation));
    }

    [Fact]
    public async Task A_killed_worker_is_replaced_and_later_requests_succeed()
    {
        using (var before = await App.Http.GetAsync("explorer"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var killed = App.Workers.WorkerProcessId!.Value;

        Kill(killed);

        await App.Logs.WaitForAsync(l => l.Message.Contains($"worker process {killed} exited", StringComparison.Ordinal), "about the killed worker");
        using var after = await App.Http.GetAsync("explorer");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(killed, App.Workers.WorkerProcessId);
    }

    [Fact]
    public async Task Killing_the_worker_during_writes_loses_and_doubles_nothing_for_clients_that_retry_with_their_idempotency_key()
    {
        const int writers = 4, writesEach = 30;
        var inventories = Enumerable.Range(0, writers).Select(w => $"kill-{w}-{Guid.NewGuid():N}").ToArray();
        var killed = App.Workers.WorkerProcessId!.Value;
        var successes = 0;
        var retries = 0;

        async Task WriteAsync(int writer)
        {
            for (var n = 0; n < writesEach; n++)
            {
                var key = $"{inventories[writer]}-{n}";
                for (var attempt = 1; ; attempt++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"inventories/{inventories[writer]}/items")
                    {
                        Content = JsonContent.Create(new { itemId = $"item-{n % 3}", quantity = n + 1 }),
                    };
                    request.Headers.Add("Idempotency-Key", key);
                    try
                    {
                        using var response = await App.Http.SendAsync(request);
                        if (response.StatusCode == HttpStatusCode.Created)
                            break;
                        Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError,
                            $"{key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                    catch (HttpRequestException)
                    {
                        // The connection broke with the worker: retry with the same key.
                    }
                    Interlocked.Increment(ref retries);
                    Assert.True(attempt < 50, $"{key} never succeeded");
                    await Task.Delay(200);
                }
                if (Interlocked.Increment(ref successes) == writers * 5)
                    Kill(killed);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, writers).Select(WriteAsync));

        Assert.NotEqual(killed, App.Workers.WorkerProcessId);
        output.WriteLine($"{writers * writesEach} writes, {retries} retried requests after killing worker {killed}");
        foreach (var inventoryId in inventories)
        {
            // Every key appended exactly one event.
            var log = await ReadLogAsync(inventoryId);
            Assert.Equal(Enumerable.Range(1, writesEach).Select(v => (long)v), log.Select(e => e.GetProperty("version").GetInt64()));
            Assert.Equal(Enumerable.Range(0, writesEach).Sum(n => n + 1), log.Sum(e => e.GetProperty("quantity").GetInt32()));

            // The projection converges to the fold of the log.
            var view = await WaitForViewAsync(inventoryId, writesEach);
            var folded = log.GroupBy(e => e.GetProperty("itemId").GetString()!).ToDictionary(g => g.Key, g => g.Sum(e => e.GetProperty("quantity").GetInt32()));
            var items = view.GetProperty("items").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            Assert.Equal(folded.OrderBy(kv => kv.Key, StringComparer.Ordinal), items.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        }
    }

    private static void Kill(int processId)
    {
        using var kill = Process.Start("kill", ["-9", processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private async Task<List<JsonElement>> ReadLogAsync(string inventoryId)
    {
        using var response = await App.Http.GetAsync($"inventories/{inventoryId}/events?limit=1000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return [.. page.GetProperty("events").EnumerateArray().Select(e => e.Clone())];
    }

    private async Task<JsonElement> WaitForViewAsync(string inventoryId, long version) =>
        (await Eventually.UntilAsync($"the view of {inventoryId} at version {version}", () => App.Http.ExchangeAsync(ApiRequests.GetInventory(inventoryId)),
            view => view.Status == HttpStatusCode.OK && view.Body.GetProperty("version").GetInt64() >= version,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200))).Body;

    private Task<JsonReply> WaitForViewAsync(string inventoryId) =>
        Eventually.UntilAsync($"the view of {inventoryId} to appear", () => App.Http.ExchangeAsync(ApiRequests.GetInventory(inventoryId)),
            view => view.Status == HttpStatusCode.OK);

    private async Task<List<string>> LeaseIdsAsync()
    {
        var ids = new List<string>();
        using var feed = fixture.Client.GetContainer("inventory", "leases").GetItemQueryStreamIterator();
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync();
            using var body = await JsonDocument.ParseAsync(page.Content);
            ids.AddRange(body.RootElement.GetProperty("Documents").EnumerateArray()
                .Where(d => d.TryGetProperty("LeaseToken", out _))
                .Select(d => d.GetProperty("id").GetString()!));
        }
        return ids;
    }

    /// <summary>
    /// Bindings compared as data: property names case-insensitively and in any order, and without the empty
    /// <c>properties</c> object the file carries and the worker's raw bindings leave out.
    /// </summary>
    private static JsonObject Normalize(JsonObject binding) =>
        new(binding.Where(p => !(p.Key == "properties" && p.Value is JsonObject { Count: 0 }))
            .OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .Select(p => KeyValuePair.Create(p.Key.ToLowerInvariant(), p.Value?.DeepClone())));
}
