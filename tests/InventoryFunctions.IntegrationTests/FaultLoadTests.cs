using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// A mixed load of commands while the Cosmos DB dev server fails a share of the app's requests the ways Azure does
/// (429, 503, 408, dropped connections, and lost responses whose write was applied). Each client retries a command
/// with its <c>Idempotency-Key</c> until it gets a 2xx or 4xx, as a well-behaved client would. Afterwards every
/// accepted command is in the log exactly once, the versions are contiguous, no count ever went below zero, and the
/// views equal the log folded. The same holds when the app's worker is killed (<c>kill -9</c>) in the middle of the load
/// and the host starts a new one. <c>./bench.sh --soak</c> runs it for minutes (<see cref="SoakSecondsSetting"/>).
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class FaultLoadTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const int Inventories = 3;
    private const int Clients = 6;
    private const int CommandsPerClient = 15;
    private const int MaxTries = 40;

    /// <summary>Set (by <c>./bench.sh --soak</c>) to run the load for this many seconds instead of a fixed number of commands.</summary>
    public const string SoakSecondsSetting = "FAULT_SOAK_SECONDS";

    /// <summary>With <see cref="SoakSecondsSetting"/>: the share of Cosmos requests to fail (default 0.15).</summary>
    public const string SoakRateSetting = "FAULT_SOAK_RATE";
    private static readonly string[] ItemIds = ["a", "b", "c"];

    /// <summary>A command as sent, and how it ended: its final status, the versions it was told, and how many tries it took.</summary>
    private sealed record Sent(string InventoryId, string Key, HttpStatusCode Status, string? Problem, IReadOnlyList<long> Versions, int Tries);

    [Fact]
    public Task Commands_retried_with_their_idempotency_key_through_injected_faults_are_each_applied_exactly_once() =>
        RunFaultLoadAsync(killWorkerAfter: null);

    [Fact]
    public Task Killing_the_worker_in_the_middle_of_the_fault_load_loses_and_doubles_nothing() =>
        RunFaultLoadAsync(killWorkerAfter: Clients * CommandsPerClient / 3);

    /// <param name="killWorkerAfter">
    /// Kill the app's worker process (HTTP functions and projectors alike) once this many commands have been answered;
    /// the host starts a new worker, and the clients' retries and the change feed's redelivery carry on.
    /// </param>
    private async Task RunFaultLoadAsync(int? killWorkerAfter)
    {
        if (!stack.Cosmos.SupportsFaults)
        {
            output.WriteLine("Not run: the configured Cosmos DB (CosmosDb) has no fault mode; the dev server does.");
            return;
        }

        var inventoryIds = Enumerable.Range(0, Inventories).Select(_ => LocalStackFixture.NewInventoryId("faults")).ToList();
        var outcomes = new ConcurrentBag<Sent>();
        var soak = int.TryParse(Environment.GetEnvironmentVariable(SoakSecondsSetting), out var seconds) ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var rate = double.TryParse(Environment.GetEnvironmentVariable(SoakRateSetting), System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : 0.15;
        var until = DateTime.UtcNow + (soak ?? TimeSpan.Zero);
        await stack.Cosmos.SetFaultsAsync(new CosmosFaultRule(rate, Enum.GetValues<CosmosFaultKind>())
        {
            Seed = 2026,
            RetryAfterMs = 5,
            Containers = [stack.Options.EventsContainerName, stack.Options.ProjectionsContainerName],
        });
        CosmosFaultCounts faults;
        int? killed = null;
        var killing = 0;
        try
        {
            var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                var random = new Random(500 + client);
                for (var i = 0; soak is null ? i < CommandsPerClient : DateTime.UtcNow < until; i++)
                {
                    outcomes.Add(await SendUntilAnsweredAsync(inventoryIds[random.Next(Inventories)], random));
                    if (outcomes.Count >= killWorkerAfter && Interlocked.Exchange(ref killing, 1) == 0)
                        killed = RetryingClient.KillWorker(stack);
                }
            })).ToList();
            await Task.WhenAll(clients);
        }
        finally
        {
            faults = await stack.Cosmos.ClearFaultsAsync();
        }
        if (killWorkerAfter is not null)
        {
            Assert.True(killed is not null, "the worker was not killed");
            Assert.NotEqual(killed, stack.Stack.App.Workers.WorkerProcessId);
            output.WriteLine($"worker {killed} killed after {killWorkerAfter} commands; now worker {stack.Stack.App.Workers.WorkerProcessId}");
        }

        var all = outcomes.ToList();
        output.WriteLine($"{all.Count} commands, {all.Sum(o => o.Tries) - all.Count} client retries; Cosmos requests matched {faults.Matched}, faults injected {faults.Total}: "
            + string.Join(", ", faults.Injected.Select(f => $"{f.Key} {f.Value}")));
        output.WriteLine($"  accepted {all.Count(o => o.Versions.Count > 0)}, refused (insufficient-quantity) {all.Count(o => o.Problem == "insufficient-quantity")}");
        Assert.True(faults.Total > 0, "the load ran without a single injected fault");
        var unexpected = all.Where(o => !(o.Status is HttpStatusCode.Created or HttpStatusCode.OK
            || (o.Status == HttpStatusCode.Conflict && o.Problem == "insufficient-quantity"))).ToList();
        Assert.True(unexpected.Count == 0, "Unexpected final answers:\n" + string.Join("\n", unexpected));

        foreach (var inventoryId in inventoryIds)
        {
            var log = await stack.Http.ReadLogAsync(inventoryId);
            Assert.Equal(Enumerable.Range(1, log.Count).Select(v => (long)v), log.Select(e => e.Version));

            // Each accepted command owns its versions, and together they are the whole log: exactly once.
            var claimed = all.Where(o => o.InventoryId == inventoryId).SelectMany(o => o.Versions).Order().ToList();
            Assert.Equal(log.Select(e => e.Version), claimed);

            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var e in log)
            {
                counts[e.Event.ItemId] = counts.GetValueOrDefault(e.Event.ItemId) + (e.Event is ItemAdded ? e.Event.Quantity : -e.Event.Quantity);
                Assert.True(counts[e.Event.ItemId] >= 0, $"'{e.Event.ItemId}' of {inventoryId} went to {counts[e.Event.ItemId]} at version {e.Version}.");
            }

            var folded = Inventory.Fold(InventoryState.Empty, log);
            if (log.Count == 0)
                continue;
            var view = await stack.Http.WaitForViewAsync(inventoryId, log.Count, TimeSpan.FromSeconds(60));
            Assert.Equal(folded.Version, view.GetProperty("version").GetInt64());
            Assert.Equal(HistoryApi.Describe(folded.Items), HistoryApi.Describe(HistoryApi.ItemsOf(view.GetProperty("items"))));
            output.WriteLine($"  {inventoryId}: log of {log.Count} events contiguous, claimed exactly once, never below zero, view equal to the fold");
        }
        output.WriteLine("consistency check passed");
    }

    /// <summary>One command, sent again with the same key and body after any 5xx or broken connection.</summary>
    private async Task<Sent> SendUntilAnsweredAsync(string inventoryId, Random random)
    {
        var key = Guid.NewGuid().ToString("N");
        var itemId = ItemIds[random.Next(ItemIds.Length)];
        var quantity = random.Next(1, 4);
        var kind = random.Next(3);
        var (reply, tries) = await RetryingClient.SendUntilAnsweredAsync(stack.Http, () =>
        {
            var request = kind switch
            {
                0 => ApiRequests.AddItem(inventoryId, itemId, quantity),
                1 => ApiRequests.RemoveItem(inventoryId, itemId, quantity),
                _ => ApiRequests.AppendEvents(inventoryId, [("ItemAdded", itemId, quantity), ("ItemRemoved", itemId, 1)]),
            };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }, MaxTries);
        IReadOnlyList<long> versions = reply.Status is HttpStatusCode.Created or HttpStatusCode.OK
            ? [.. reply.Body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt64())]
            : [];
        return new Sent(inventoryId, key, reply.Status, RetryingClient.ProblemOf(reply), versions, tries);
    }
}
