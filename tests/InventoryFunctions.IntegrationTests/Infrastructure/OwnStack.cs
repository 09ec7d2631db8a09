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
    private LocalApp? _statusTimer;

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

    /// <summary>
    /// Runs the status timer (every second) in an app instance of its own, so that its requests stay off the wire of
    /// the app behind <see cref="Http"/>.
    /// </summary>
    public async Task StartStatusTimerAsync()
    {
        await StopStatusTimerAsync();
        _statusTimer = await Stack.StartAppAsync(new Dictionary<string, string?> { [LocalStack.StatusTimerSwitch] = "false" });
    }

    public async Task StopStatusTimerAsync()
    {
        if (_statusTimer is not null)
            await _statusTimer.DisposeAsync();
        _statusTimer = null;
    }

    /// <summary>
    /// Polls health until it reports a status the timer published after <paramref name="since"/> and
    /// <paramref name="until"/> holds (default: any), asserting one arrives within <paramref name="within"/>.
    /// </summary>
    public async Task<JsonReply> PublishedHealthAsync(DateTimeOffset since, TimeSpan within, Func<JsonReply, bool>? until = null)
    {
        return await Eventually.UntilAsync($"a health answer from a status published after {since:O}", HealthAsync,
            health => health.Status == HttpStatusCode.OK && health.Body.TryGetProperty("statusPublishedAt", out var at) && at.ValueKind == JsonValueKind.String
                && at.GetDateTimeOffset() >= since && (until?.Invoke(health) ?? true),
            within, TimeSpan.FromMilliseconds(200), detail: () => "status timer's warnings:\n" + string.Join("\n",
                _statusTimer?.Logs.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).TakeLast(15) ?? []));
    }

    public async Task<JsonReply> StatusAsync() => await Http.GetJsonAsync("projections/status");

    public async Task<JsonReply> HealthAsync() => await Http.GetJsonAsync("health");

    /// <summary>
    /// The estimated unprojected changes of <c>ProjectInventory</c> and the age of the oldest (live, from the status
    /// endpoint), asserting the status answered 200.
    /// </summary>
    public async Task<(long Documents, int Leases, double? OldestAgeSeconds)> LagAsync()
    {
        var status = await StatusAsync();
        Assert.True(status.Status == HttpStatusCode.OK, status.ToString());
        var feed = status.Body.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("function").GetString() == "ProjectInventory");
        var age = feed.GetProperty("oldestUnprojectedAgeSeconds");
        return (feed.GetProperty("estimatedDocuments").GetInt64(), feed.GetProperty("leases").GetArrayLength(), age.ValueKind == JsonValueKind.Number ? age.GetDouble() : null);
    }

    /// <summary>
    /// Polls the status until <c>ProjectInventory</c>'s estimate is 0: a view can be written before the trigger
    /// checkpoints the batch in its lease, so "projected" and "estimated caught up" are a moment apart.
    /// </summary>
    public Task<(long Documents, int Leases, double? OldestAgeSeconds)> WaitForNoLagAsync(TimeSpan within) =>
        Eventually.UntilAsync("ProjectInventory's estimate to be 0 with its leases taken", LagAsync, lag => lag.Documents == 0 && lag.Leases > 0, within);

    public async ValueTask DisposeAsync()
    {
        await StopProjectorAsync();
        await StopStatusTimerAsync();
        Http.Dispose();
        await Stack.DisposeAsync();
    }
}
