using System.Collections.Concurrent;
using System.Net;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Conservation under chaos: random transfers among 10 inventories from 8 clients while the Cosmos DB dev server fails
/// a share of the app's requests as Azure does (429, 503, 408, dropped connections, lost responses after the write)
/// and the app's worker is killed (-9) a third of the way in. Clients retry each transfer with its Idempotency-Key until
/// they get a 2xx or 4xx. Afterwards every transfer ends completed or refunded, every item's units summed over the
/// inventories equal the units added, no count ever went below zero, every view equals the fold of its log, and no
/// transfer was credited (or debited, or refunded) twice.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class TransferChaosTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const int Inventories = 10;
    private const int Clients = 8;
    private const int TransfersPerClient = 6;
    private const int MaxTries = 40;
    private const int UnitsEach = 12;
    private static readonly string[] ItemIds = ["a", "b", "c"];
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    private sealed record Sent(string From, string To, HttpStatusCode Status, string? Problem, string? TransferId, int Tries);

    [Fact]
    public async Task Transfers_through_faults_and_a_killed_worker_conserve_every_unit_and_each_is_credited_or_refunded_once()
    {
        if (!stack.Cosmos.SupportsFaults)
        {
            output.WriteLine("Not run: the configured Cosmos DB (CosmosDb) has no fault mode; the dev server does.");
            return;
        }

        var ids = Enumerable.Range(0, Inventories).Select(_ => LocalStackFixture.NewInventoryId("chaos")).ToList();
        foreach (var id in ids)
            Assert.Equal(HttpStatusCode.Created, (await stack.Http.AppendEventsAsync(id, ItemIds.Select(item => ("ItemAdded", item, UnitsEach)))).Status);

        var sent = new ConcurrentBag<Sent>();
        int? killed = null;
        var killing = 0;
        await stack.Cosmos.SetFaultsAsync(new CosmosFaultRule(0.15, Enum.GetValues<CosmosFaultKind>())
        {
            Seed = 2112,
            RetryAfterMs = 5,
            Containers = [stack.Options.EventsContainerName, stack.Options.ProjectionsContainerName],
        });
        CosmosFaultCounts faults;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                var random = new Random(900 + client);
                for (var i = 0; i < TransfersPerClient; i++)
                {
                    sent.Add(await TransferUntilAnsweredAsync(ids, random));
                    if (sent.Count >= Clients * TransfersPerClient / 3 && Interlocked.Exchange(ref killing, 1) == 0)
                        killed = RetryingClient.KillWorker(stack);
                }
            })));
        }
        finally
        {
            faults = await stack.Cosmos.ClearFaultsAsync();
        }

        var all = sent.ToList();
        output.WriteLine($"{all.Count} transfers, {all.Sum(s => s.Tries) - all.Count} client retries, worker {killed} killed; faults injected {faults.Total}: "
            + string.Join(", ", faults.Injected.Select(f => $"{f.Key} {f.Value}")));
        Assert.True(faults.Total > 0, "the load ran without a single injected fault");
        Assert.NotNull(killed);
        var unexpected = all.Where(s => !(s.Status == HttpStatusCode.Accepted || (s.Status == HttpStatusCode.Conflict && s.Problem == "insufficient-quantity"))).ToList();
        Assert.True(unexpected.Count == 0, "Unexpected final answers:\n" + string.Join("\n", unexpected));

        // Every transfer ends: completed or refunded.
        var started = all.Where(s => s.TransferId is not null).DistinctBy(s => s.TransferId).ToList();
        var ended = new Dictionary<string, string>();
        foreach (var transfer in started)
            ended[transfer.TransferId!] = await WaitForEndAsync(transfer.From, transfer.TransferId!);
        output.WriteLine($"  started {started.Count}: completed {ended.Values.Count(s => s == TransferStates.Completed)}, refunded {ended.Values.Count(s => s == TransferStates.Refunded)}; "
            + $"refused at once (insufficient-quantity) {all.Count(s => s.Problem == "insufficient-quantity")}");

        var logs = new Dictionary<string, List<RecordedEvent>>();
        foreach (var id in ids)
            logs[id] = await stack.Http.ReadLogAsync(id);

        // Conservation: per item, the units held over all inventories are the units added.
        foreach (var item in ItemIds)
            Assert.Equal(Inventories * UnitsEach, logs.Values.Sum(log => Inventory.Fold(InventoryState.Empty, log).QuantityOf(item)));

        foreach (var (id, log) in logs)
        {
            Assert.Equal(Enumerable.Range(1, log.Count).Select(v => (long)v), log.Select(e => e.Version));
            var running = InventoryState.Empty;
            foreach (var e in log)
            {
                var before = running.QuantityOf(e.Event.ItemId);
                running = Inventory.Evolve(running, e);
                // Evolve clamps at zero: a leg that took more than was held would show as a drop short of its quantity.
                if (e.Event is ItemRemoved or ItemTransferredOut)
                    Assert.True(before >= e.Event.Quantity, $"'{e.Event.ItemId}' of {id} would go below zero at version {e.Version}.");
            }
            var view = await stack.Http.WaitForViewAsync(id, log.Count, TimeSpan.FromSeconds(60));
            Assert.Equal(HistoryApi.Describe(running.Items), HistoryApi.Describe(HistoryApi.ItemsOf(view.GetProperty("items"))));
        }

        // Once each: a debit per line on the sender, then a credit per line on the receiver or a refund per line on the sender.
        var legs = logs.Values.SelectMany(log => log).Select(e => e.Event).OfType<TransferEvent>().ToList();
        foreach (var transfer in started)
        {
            var lines = legs.OfType<ItemTransferredOut>().Count(l => l.TransferId == transfer.TransferId);
            Assert.InRange(lines, 1, 2);
            Assert.Equal(ended[transfer.TransferId!] == TransferStates.Completed ? lines : 0, legs.OfType<ItemTransferredIn>().Count(l => l.TransferId == transfer.TransferId));
            Assert.Equal(ended[transfer.TransferId!] == TransferStates.Refunded ? lines : 0, legs.OfType<ItemRefunded>().Count(l => l.TransferId == transfer.TransferId));
        }
        output.WriteLine("conservation and exactly-once checks passed");
    }

    private async Task<string> WaitForEndAsync(string from, string transferId) =>
        (await Eventually.UntilAsync($"transfer {transferId} from {from} to end", () => stack.Http.ExchangeAsync(ApiRequests.GetTransfer(from, transferId)),
            reply => reply.Status == HttpStatusCode.OK && reply.Body.GetProperty("state").GetString() is TransferStates.Completed or TransferStates.Refunded,
            Settle, TimeSpan.FromMilliseconds(200))).Body.GetProperty("state").GetString()!;

    /// <summary>One transfer of one or two lines between two random inventories, sent again with the same key after any 5xx or broken connection.</summary>
    private async Task<Sent> TransferUntilAnsweredAsync(List<string> ids, Random random)
    {
        var from = ids[random.Next(ids.Count)];
        var to = ids.Where(id => id != from).ElementAt(random.Next(ids.Count - 1));
        var lines = ItemIds.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).Select(item => (item, random.Next(1, 5))).ToList();
        var key = Guid.NewGuid().ToString("N");
        var (reply, tries) = await RetryingClient.SendUntilAnsweredAsync(stack.Http, () => ApiRequests.Transfer(from, to, lines, key), MaxTries);
        var transferId = reply.Status == HttpStatusCode.Accepted ? reply.Body.GetProperty("transferId").GetString() : null;
        return new Sent(from, to, reply.Status, RetryingClient.ProblemOf(reply), transferId, tries);
    }
}
