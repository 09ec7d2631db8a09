using System.Net;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// A stack of its own holding exactly <see cref="Count"/> inventories (imported into the log, 3 pages of 100), whose
/// app serves HTTP but runs neither the projector nor the rebuild queue's trigger: the pages of a rebuild job run
/// only in the worker instances a test starts (<see cref="StartRebuildWorkerAsync"/>). Received queue messages stay
/// invisible 5 s instead of 10 minutes, so a page in flight when a worker stops comes back soon.
/// </summary>
public sealed class RebuildJobStack : IAsyncLifetime
{
    public const int Count = 250;
    public const int PageSize = 100;
    private const string PageTrigger = "AzureWebJobs.RebuildProjectionsPage.Disabled";

    private static readonly Dictionary<string, string?> QueueSettings = new()
    {
        ["LocalHost:QueueMessageLeaseSeconds"] = "5",
        [AppSettings.RebuildPageSize] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public OwnStack Own { get; private set; } = null!;

    /// <summary>Each inventory and its log.</summary>
    public Dictionary<string, List<RecordedEvent>> Logs { get; } = new(StringComparer.Ordinal);

    public Container Projections => Own.Stack.Client.GetContainer(Own.Stack.Options.DatabaseName, Own.Stack.Options.ProjectionsContainerName);

    public async Task InitializeAsync()
    {
        Own = await OwnStack.StartAsync(new Dictionary<string, string?>(QueueSettings) { [PageTrigger] = "true" });
        var random = new Random(12);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Count; i++)
        {
            var id = LocalStackFixture.NewInventoryId("job");
            var log = new List<RecordedEvent>();
            var held = new Dictionary<string, int>(StringComparer.Ordinal);
            var length = random.Next(1, 8);
            for (var version = 1; version <= length; version++)
            {
                var item = "item-" + random.Next(4);
                InventoryEvent e = held.GetValueOrDefault(item) > 0 && random.Next(3) == 0 ? new ItemRemoved(item, 1) : new ItemAdded(item, random.Next(1, 5));
                held[item] = held.GetValueOrDefault(item) + (e is ItemAdded added ? added.Quantity : -1);
                log.Add(new RecordedEvent(version, now, e));
            }
            await Own.Stack.Events.ImportAsync(id, log);
            Logs[id] = log;
        }
    }

    /// <summary>An app instance whose only background work is the rebuild queue's trigger.</summary>
    public Task<LocalApp> StartRebuildWorkerAsync() => Own.Stack.StartAppAsync(QueueSettings);

    public async Task DisposeAsync()
    {
        if (Own is not null)
            await Own.DisposeAsync();
    }
}

/// <summary>
/// <c>POST /api/projections/rebuild</c> without an inventory id: 202 and a job that runs page by page from the
/// <c>projection-rebuilds</c> queue; <c>GET /api/projections/rebuild/{jobId}</c> reports it. Every view ends equal to
/// the fold of its log, each inventory counted once, also when the worker stops between pages.
/// </summary>
public sealed class RebuildJobTests(RebuildJobStack stack, ITestOutputHelper output) : IClassFixture<RebuildJobStack>
{
    private HttpClient Http => stack.Own.Http;

    [Fact]
    public async Task A_rebuild_of_everything_is_a_job_that_rebuilds_every_view_page_by_page_and_a_second_start_answers_it()
    {
        await CorruptEveryViewAsync();

        var (location, job) = await StartAsync();
        // No worker runs pages yet: the job waits, and a second start answers the same job.
        var (again, same) = await StartAsync("{}");
        Assert.Equal(location, again);
        Assert.Equal(job.GetProperty("jobId").GetString(), same.GetProperty("jobId").GetString());
        Assert.Equal("queued", (await StatusAsync(location)).GetProperty("state").GetString());

        await using (await stack.StartRebuildWorkerAsync())
        {
            var done = await WaitForStateAsync(location, "completed");
            AssertCountedOnce(done);
            output.WriteLine(done.GetRawText());
        }
        await AssertEveryViewIsTheFoldOfItsLogAsync();

        // Once it has ended, a start is a new job.
        var (next, _) = await StartAsync();
        Assert.NotEqual(location, next);
    }

    [Fact]
    public async Task A_job_whose_worker_stops_after_the_first_page_completes_in_the_next_worker_counting_each_page_once()
    {
        await CorruptEveryViewAsync();
        var (location, _) = await StartAsync();

        await using (await stack.StartRebuildWorkerAsync())
            await WaitForAsync(location, job => job.GetProperty("pagesDone").GetInt32() >= 1, "the first page");
        var stopped = await StatusAsync(location);
        output.WriteLine($"Stopped at {stopped.GetRawText()}");

        await using (await stack.StartRebuildWorkerAsync())
        {
            var done = await WaitForStateAsync(location, "completed");
            AssertCountedOnce(done);
        }
        await AssertEveryViewIsTheFoldOfItsLogAsync();
    }

    [Theory]
    [InlineData("not-a-job", HttpStatusCode.BadRequest, "validation-failed")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF", HttpStatusCode.BadRequest, "validation-failed")]
    [InlineData("0123456789abcdef0123456789abcdef", HttpStatusCode.NotFound, "rebuild-job-not-found")]
    public async Task The_status_of_a_job_that_is_not_there_is_a_problem(string jobId, HttpStatusCode status, string problem)
    {
        AssertProblem(await Http.GetJsonAsync($"projections/rebuild/{jobId}"), status, problem);
    }

    private static void AssertCountedOnce(JsonElement job)
    {
        Assert.True(job.GetProperty("state").GetString() == "completed", job.GetRawText());
        Assert.Equal(RebuildJobStack.Count, job.GetProperty("inventoriesRebuilt").GetInt32());
        Assert.Equal(0, job.GetProperty("inventoriesFailed").GetInt32());
        Assert.Equal((RebuildJobStack.Count + RebuildJobStack.PageSize - 1) / RebuildJobStack.PageSize, job.GetProperty("pagesDone").GetInt32());
        Assert.Equal(RebuildJobStack.PageSize, job.GetProperty("pageSize").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("startedAt").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("completedAt").ValueKind);
    }

    /// <summary>Overwrites every view with a document that is not a view.</summary>
    private async Task CorruptEveryViewAsync()
    {
        foreach (var id in stack.Logs.Keys)
        {
            var garbage = Encoding.UTF8.GetBytes($$"""{"id":"view","inventoryId":"{{id}}","garbage":true}""");
            using var response = await stack.Projections.UpsertItemStreamAsync(new MemoryStream(garbage), new PartitionKey(id));
            Assert.True(response.IsSuccessStatusCode, response.ErrorMessage);
        }
        AssertProblem(await Http.GetJsonAsync($"inventories/{stack.Logs.Keys.First()}"), HttpStatusCode.InternalServerError, "corrupt-projection");
    }

    private async Task AssertEveryViewIsTheFoldOfItsLogAsync()
    {
        foreach (var (id, log) in stack.Logs)
        {
            var view = await Http.GetJsonAsync($"inventories/{id}");
            Assert.True(view.Status == HttpStatusCode.OK, $"{id}: {view}");
            var expected = Inventory.Fold(InventoryState.Empty, log);
            Assert.Equal(expected.Version, view.Body.GetProperty("version").GetInt64());
            Assert.Equal(Describe(expected.Items), Describe(ItemsOf(view.Body.GetProperty("items"))));
        }
    }

    /// <summary>POST with no inventory id: 202, its Location, and the job in the body (whose status URL is the Location).</summary>
    private async Task<(string Location, JsonElement Job)> StartAsync(string? body = null)
    {
        using var response = await Http.SendAsync(ApiRequests.Rebuild(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {text}");
        var location = response.Headers.Location?.ToString();
        Assert.NotNull(location);
        var job = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(location, job.GetProperty("status").GetString());
        Assert.StartsWith("/api/projections/rebuild/", location, StringComparison.Ordinal);
        return (location, job);
    }

    private async Task<JsonElement> StatusAsync(string location)
    {
        var reply = await Http.GetJsonAsync(location["/api/".Length..]);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return reply.Body;
    }

    private Task<JsonElement> WaitForStateAsync(string location, string state) =>
        WaitForAsync(location, job => job.GetProperty("state").GetString() == state || job.GetProperty("state").GetString() == "failed", $"state {state}");

    private Task<JsonElement> WaitForAsync(string location, Func<JsonElement, bool> condition, string what) =>
        Eventually.UntilAsync($"the job to reach {what}", () => StatusAsync(location), condition, TimeSpan.FromSeconds(120));
}
