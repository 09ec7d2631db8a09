using System.Net;
using System.Text.Json;
using InventoryFunctions.Testing;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// A local stack of a test's own, for tests of what the whole stack reports (lag, health, the poison queue), which
/// other tests' inventories would disturb. Its app serves HTTP with the projector stopped
/// (<c>AzureWebJobs.ProjectInventory.Disabled</c>); <see cref="StartProjectorAsync"/> runs the projector in another
/// app instance until <see cref="StopProjectorAsync"/>. Its app's Cosmos requests are counted at the wire.
/// </summary>
public sealed class OwnStack : IAsyncDisposable
{
    private LocalApp? _projector;

    private OwnStack(LocalStack stack)
    {
        Stack = stack;
        Http = stack.App.CreateHttpClient();
    }

    public LocalStack Stack { get; }

    /// <summary>The Cosmos requests of the app behind <see cref="Http"/>.</summary>
    public CosmosRequestProxy Requests => Stack.App.Wire;

    public HttpClient Http { get; }

    public static async Task<OwnStack> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { [LocalStack.ChangeFeedSwitch] = "true" };
        return new OwnStack(await LocalStack.StartAsync(settings: all));
    }

    public async Task StartProjectorAsync()
    {
        await StopProjectorAsync();
        _projector = await Stack.StartAppAsync(new Dictionary<string, string?> { [LocalStack.ChangeFeedSwitch] = "false" });
    }

    public async Task StopProjectorAsync()
    {
        if (_projector is not null)
            await _projector.DisposeAsync();
        _projector = null;
    }

    public async Task<JsonReply> StatusAsync() => await Http.GetJsonAsync("projections/status");

    public async Task<JsonReply> HealthAsync() => await Http.GetJsonAsync("health");

    /// <summary>The estimated unprojected changes of <c>ProjectInventory</c>, asserting the status answered 200.</summary>
    public async Task<(long Documents, int Leases)> LagAsync()
    {
        var status = await StatusAsync();
        Assert.True(status.Status == HttpStatusCode.OK, status.ToString());
        var feed = status.Body.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("function").GetString() == "ProjectInventory");
        return (feed.GetProperty("estimatedDocuments").GetInt64(), feed.GetProperty("leases").GetArrayLength());
    }

    /// <summary>
    /// Polls the status until <c>ProjectInventory</c>'s estimate is 0: a view can be written before the trigger
    /// checkpoints the batch in its lease, so "projected" and "estimated caught up" are a moment apart.
    /// </summary>
    public async Task<(long Documents, int Leases)> WaitForNoLagAsync(TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var lag = await LagAsync();
            if (lag.Documents == 0 && lag.Leases > 0 || clock.Elapsed > within)
                return lag;
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopProjectorAsync();
        Http.Dispose();
        await Stack.DisposeAsync();
    }
}
