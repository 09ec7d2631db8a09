using System.Net;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>A stack of its own whose app erases with delete-by-partition-key (the dev server has the capability on).</summary>
public sealed class ErasureByPartitionKeyFixture : IAsyncLifetime
{
    public LocalStack Stack { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await LocalStack.StartAsync(cosmosCapabilities: ["DeleteAllItemsByPartitionKey"],
            settings: new Dictionary<string, string?> { [AppSettings.ErasureDeleteByPartitionKey] = "true", [AppSettings.ErasureThrottleMs] = "0" });
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
/// An erasure through Cosmos DB faults (429, 503, 408, dropped connections, lost answers, on a share of the app's
/// requests) and a <c>kill -9</c> of the app's worker while the job runs: it completes once (one job, the board off by
/// exactly the erased inventory's count: equal to the oracle over the rest), and nothing of the id is left anywhere.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ErasureFaultTests(ErasureByPartitionKeyFixture fixture, ITestOutputHelper output) : IClassFixture<ErasureByPartitionKeyFixture>
{
    [Fact]
    public async Task An_erasure_through_faults_and_a_killed_worker_completes_once_and_leaves_nothing()
    {
        var (stack, http) = (fixture.Stack, fixture.Http);
        if (!stack.Cosmos.SupportsFaults)
        {
            output.WriteLine("Not run: the configured Cosmos DB (CosmosDb) has no fault mode; the dev server does.");
            return;
        }
        var victim = LocalStack.NewInventoryId("erase");
        string[] others = [.. Enumerable.Range(0, 4).Select(i => LocalStack.NewInventoryId($"keep{i}"))];
        for (var page = 0; page < 6; page++)
            Assert.Equal(HttpStatusCode.Created, (await http.AppendEventsAsync(victim, Enumerable.Range(0, 50).Select(i => ("ItemAdded", $"item-{(page * 50 + i) % 40}", 1)))).Status);
        foreach (var other in others)
            Assert.Equal(HttpStatusCode.Created, (await http.AppendEventsAsync(other, [("ItemAdded", "item-1", 2), ("ItemAdded", "item-2", 1)])).Status);
        await http.WaitForViewAsync(victim, 300);

        await stack.Cosmos.SetFaultsAsync(new CosmosFaultRule(0.1, Enum.GetValues<CosmosFaultKind>())
        {
            Seed = 2222,
            RetryAfterMs = 5,
            Containers = [stack.Options.EventsContainerName, stack.Options.ProjectionsContainerName],
        });
        int? killed = null;
        string jobId;
        CosmosFaultCounts faults;
        try
        {
            var (accepted, _) = await RetryingClient.SendUntilAnsweredAsync(http, () => new HttpRequestMessage(HttpMethod.Delete, $"inventories/{victim}"), 40);
            Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
            jobId = accepted.Body.GetProperty("jobId").GetString()!;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (true)
            {
                var (job, _) = await RetryingClient.SendUntilAnsweredAsync(http, () => new HttpRequestMessage(HttpMethod.Get, $"erasures/{jobId}"), 40);
                Assert.Equal(HttpStatusCode.OK, job.Status);
                var state = job.Body.GetProperty("state").GetString();
                if (killed is null && (state == "running" || state == "completed"))
                {
                    // As a crash would: no shutdown, the queue message in flight comes back.
                    killed = stack.App.Workers.WorkerProcessId ?? throw new InvalidOperationException("no worker runs");
                    System.Diagnostics.Process.GetProcessById(killed.Value).Kill();
                }
                if (state == "completed")
                {
                    Assert.Equal("delete-by-partition-key", job.Body.GetProperty("path").GetString());
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, $"The erasure did not complete: {job}");
                await Task.Delay(100);
            }
        }
        finally
        {
            faults = await stack.Cosmos.ClearFaultsAsync();
        }
        output.WriteLine($"worker {killed} killed; faults injected {faults.Total}");
        Assert.NotNull(killed);
        Assert.True(faults.Total > 0);

        // Once: the same job again, completed; the board equals the oracle over the rest (subtracted exactly once).
        var (again, _) = await RetryingClient.SendUntilAnsweredAsync(http, () => new HttpRequestMessage(HttpMethod.Delete, $"inventories/{victim}"), 40);
        Assert.Equal(jobId, again.Body.GetProperty("jobId").GetString());
        Assert.Equal("completed", again.Body.GetProperty("state").GetString());
        AssertProblem((await RetryingClient.SendUntilAnsweredAsync(http, () => ApiRequests.AddItem(victim, "item-1", 1), 40)).Reply, HttpStatusCode.Gone, "inventory-erased");
        Assert.Equal(HttpStatusCode.Created, (await RetryingClient.SendUntilAnsweredAsync(http, () => ApiRequests.AddItem(others[0], "settle", 1), 40)).Reply.Status);
        await ErasureTests.WaitForBoardAsync(http, CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(stack.Events), 100));
        await ErasureTests.AssertNoTraceAsync(stack, victim);
    }
}
