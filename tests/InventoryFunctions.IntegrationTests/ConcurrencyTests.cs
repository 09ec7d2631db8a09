using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.Azure.Cosmos;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Many clients writing one inventory at once through one app instance under the local host: its commands for the
/// inventory take turns (a queue per inventory), so none gives up for contention; the log stays contiguous, never goes
/// below zero, and the head always equals the log folded. The latencies it prints are the contended run's (measured,
/// not asserted).
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ConcurrencyTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const int Clients = 16;
    private const int OperationsPerClient = 25;
    private static readonly string[] ItemIds = ["a", "b", "c"];

    private sealed record Outcome(int Client, int Sequence, string Operation, HttpStatusCode Status, string? ProblemName, JsonElement Body, TimeSpan Latency);

    [Fact]
    public async Task Parallel_adds_and_removes_on_one_inventory_never_give_up_and_keep_the_log_contiguous_non_negative_and_equal_to_the_head()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("race");
        var outcomes = new ConcurrentBag<Outcome>();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            // One HttpClient (and so its own connections) per caller; a fixed seed per caller makes a failure repeatable.
            using var http = new HttpClient { BaseAddress = stack.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = stack.Http.DefaultRequestHeaders.Authorization;
            var random = new Random(1000 + client);
            await start.Task;
            for (var i = 0; i < OperationsPerClient; i++)
            {
                var itemId = ItemIds[random.Next(ItemIds.Length)];
                var add = random.Next(2) == 0;
                var quantity = add ? random.Next(1, 4) : random.Next(1, 5);
                var sent = Stopwatch.GetTimestamp();
                using var response = add
                    ? await http.PostAsync($"inventories/{inventoryId}/items",
                        new StringContent($$"""{"itemId":"{{itemId}}","quantity":{{quantity}}}""", System.Text.Encoding.UTF8, "application/json"))
                    : await http.DeleteAsync($"inventories/{inventoryId}/items/{itemId}?quantity={quantity}");
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                var problem = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("type", out var type) ? type.GetString()!.Split('/')[^1] : null;
                outcomes.Add(new Outcome(client, i, $"{(add ? "add" : "remove")} {quantity} {itemId}", response.StatusCode, problem, body, Stopwatch.GetElapsedTime(sent)));
            }
        })).ToList();
        var clock = Stopwatch.StartNew();
        start.SetResult();
        await Task.WhenAll(callers);
        clock.Stop();

        var all = outcomes.ToList();
        var written = all.Where(o => o.Status is HttpStatusCode.Created or HttpStatusCode.OK).ToList();
        var insufficient = all.Count(o => o.Status == HttpStatusCode.Conflict && o.ProblemName == "insufficient-quantity");
        var contention = all.Count(o => o.Status == HttpStatusCode.ServiceUnavailable && o.ProblemName == "too-much-contention");
        output.WriteLine($"{Clients} clients x {OperationsPerClient} operations on {inventoryId} in {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"  2xx (appended): {written.Count} ({all.Count(o => o.Status == HttpStatusCode.Created)} adds, {all.Count(o => o.Status == HttpStatusCode.OK)} removes)");
        output.WriteLine($"  409 insufficient-quantity: {insufficient}");
        output.WriteLine($"  503 too-much-contention: {contention}");
        output.WriteLine($"  latency of all answers: {Percentiles(all)}");
        output.WriteLine($"  latency after each client's first answer (its connection and the app warm): {Percentiles(all.Where(o => o.Sequence > 0))}");

        // Every answer is one of the expected ones: appended, or refused for want of items; never a 503.
        Assert.Equal(Clients * OperationsPerClient, all.Count);
        var unexpected = all.Where(o => !(o.Status is HttpStatusCode.Created or HttpStatusCode.OK
            || (o.Status == HttpStatusCode.Conflict && o.ProblemName == "insufficient-quantity"))).ToList();
        Assert.True(unexpected.Count == 0, "Unexpected answers:\n" + string.Join("\n", unexpected.Select(o => $"{o.Operation}: {(int)o.Status} {o.Body}")));
        Assert.All(all.Where(o => o.Status == HttpStatusCode.Created), o => Assert.StartsWith("add", o.Operation, StringComparison.Ordinal));
        Assert.All(all.Where(o => o.Status is HttpStatusCode.OK or HttpStatusCode.Conflict), o => Assert.StartsWith("remove", o.Operation, StringComparison.Ordinal));

        // The log: versions 1..N, N = the number of successful writes (one event each).
        var log = await ReadLogAsync(inventoryId);
        Assert.Equal(Enumerable.Range(1, log.Count).Select(v => (long)v), log.Select(e => e.Version));
        Assert.Equal(written.Count, log.Count);

        // Each success was told a distinct version, and the log holds at that version exactly the event it was told about.
        var byVersion = log.ToDictionary(e => e.Version);
        var told = written.Select(o => o.Body.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(told.Count, told.Distinct().Count());
        foreach (var o in written)
        {
            var e = byVersion[o.Body.GetProperty("version").GetInt64()];
            var (verb, quantity, itemId) = Describe(e.Event);
            Assert.Equal(o.Operation, $"{verb} {quantity} {itemId}");
        }

        // No count is ever below zero, at any prefix of the log (counted here without Evolve, which clamps).
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in log)
        {
            var (verb, quantity, itemId) = Describe(e.Event);
            counts[itemId] = counts.GetValueOrDefault(itemId) + (verb == "add" ? quantity : -quantity);
            Assert.True(counts[itemId] >= 0, $"'{itemId}' went to {counts[itemId]} at version {e.Version}.");
        }

        // The head document holds exactly the log folded.
        var folded = Inventory.Fold(InventoryState.Empty, log);
        Assert.Equal(folded, await ReadHeadStateAsync(inventoryId));
        Assert.Equal(counts.Where(c => c.Value > 0).ToDictionary(c => c.Key, c => (int)c.Value), folded.Items.ToDictionary(i => i.Key, i => i.Value));
        output.WriteLine($"  final version {folded.Version}: {string.Join(", ", folded.Items.Select(i => $"{i.Key}={i.Value}"))}");
    }

    private static string Percentiles(IEnumerable<Outcome> outcomes)
    {
        var ms = outcomes.Select(o => o.Latency.TotalMilliseconds).Order().ToList();
        double At(double p) => ms[Math.Max(0, (int)Math.Ceiling(ms.Count * p) - 1)];
        return $"p50 {At(0.50):0.0} ms, p90 {At(0.90):0.0} ms, p99 {At(0.99):0.0} ms, max {ms[^1]:0.0} ms ({ms.Count} answers)";
    }

    private static (string Verb, int Quantity, string ItemId) Describe(InventoryEvent e) => (e is ItemAdded ? "add" : "remove", e.Quantity, e.ItemId);

    /// <summary>The whole log through the API (GET events, paging with nextFromVersion), as domain events.</summary>
    private Task<List<RecordedEvent>> ReadLogAsync(string inventoryId) => stack.Http.ReadLogAsync(inventoryId);

    /// <summary>The stored head's state, its item shards included, as a cold instance reads it.</summary>
    private async Task<InventoryState> ReadHeadStateAsync(string inventoryId)
    {
        var store = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<CosmosInventoryStream>(stack.Services, stack.Client,
            (Microsoft.Extensions.Caching.Memory.IMemoryCache)new Microsoft.Extensions.Caching.Memory.MemoryCache(new Microsoft.Extensions.Caching.Memory.MemoryCacheOptions { SizeLimit = 10 }), TimeProvider.System);
        var head = await store.LoadHeadAsync(inventoryId, refresh: true, CancellationToken.None);
        Assert.NotNull(head.ETag);
        return head.State;
    }
}
