using System.Net;
using InventoryFunctions.Application;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// What a transfer costs at the wire, on a database of the test's own: the POST on an app whose head cache is warm (its
/// change feed off), then the relay alone (only <c>CompleteTransfers</c> on) taking it to its end, then the status read.
/// Change-feed polls, lease traffic and cross-partition queries (the relay's start) are left out: they are the relay's
/// idle cost, not a transfer's.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class TransferCostTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const string Database = "transfer-cost";

    [Fact]
    public async Task A_transfer_costs_one_batch_on_the_sender_one_on_the_receiver_and_one_write_to_complete()
    {
        var settings = new Dictionary<string, string?> { [AppSettings.DatabaseName] = Database };
        await LocalStack.ProvisionAsync(stack.Stack.AppSettings(settings));
        await using var api = await stack.Stack.StartAppAsync(settings);
        using var http = api.CreateHttpClient();
        var (from, to) = (LocalStack.NewInventoryId("cost-from"), LocalStack.NewInventoryId("cost-to"));
        Assert.Equal(HttpStatusCode.Created, (await http.AddItemAsync(from, "sword", 3)).Status); // the sender's head is now cached

        api.Wire.Reset();
        var started = await http.ExchangeAsync(ApiRequests.Transfer(from, to, [("sword", 2)], "cost"));
        var post = Data(api.Wire, stack.Options.EventsContainerName);
        var transferId = started.Body.GetProperty("transferId").GetString()!;

        var relaySettings = new Dictionary<string, string?>(settings) { [LocalStack.ChangeFeedSwitch] = "false" };
        foreach (var function in InventoryFunctions.Functions.ChangeFeedFunctions.All.Where(f => f.Name != "CompleteTransfers"))
            relaySettings[$"AzureWebJobs.{function.Name}.Disabled"] = "true";
        relaySettings["AzureWebJobs.CompleteTransfers.Disabled"] = "false";
        await using var relay = await stack.Stack.StartAppAsync(relaySettings);
        var status = await Eventually.UntilAsync($"transfer {transferId} to be completed by the relay", () => http.ExchangeAsync(ApiRequests.GetTransfer(from, transferId)),
            reply => reply.Body.GetProperty("state").GetString() == TransferStates.Completed, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        var relayed = Data(relay.Wire, stack.Options.EventsContainerName);
        api.Wire.Reset();
        await http.ExchangeAsync(ApiRequests.GetTransfer(from, transferId));
        var read = Data(api.Wire, stack.Options.EventsContainerName);

        output.WriteLine($"POST: {Describe(post)}; relay: {Describe(relayed)}; GET: {Describe(read)}");
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        Assert.Equal(TransferStates.Completed, status.Body.GetProperty("state").GetString());
        Assert.Equal(["Batch"], post.Select(r => r.Operation));
        // The receiver's head (one single-partition query for the head and its shards: the relay's instance has not seen
        // it yet), its batch, the record's replace.
        Assert.Equal(["Query", "Batch", "Replace"], relayed.Select(r => r.Operation));
        Assert.Equal(["Read"], read.Select(r => r.Operation));
    }

    private static List<CosmosRequest> Data(CosmosRequestProxy wire, string container) =>
        [.. wire.DataRequests.Where(r => r.Container == container && r.Operation != "ChangeFeed" && !(r.Operation == "Query" && r.PartitionKey is null))];

    private static string Describe(IEnumerable<CosmosRequest> requests) =>
        string.Join(", ", requests.Select(r => $"{r.Operation} {r.DocumentId ?? r.PartitionKey} {r.Status}"));
}
