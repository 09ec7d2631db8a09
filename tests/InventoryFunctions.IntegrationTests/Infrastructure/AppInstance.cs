using InventoryFunctions.Testing;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Another instance of the app (another worker process) on the shared stack with a snapshot interval of its own, and
/// an HTTP client for it. Its change feed is off: the stack's app already projects.
/// </summary>
public sealed class AppInstance : IAsyncDisposable
{
    private readonly LocalApp _app;

    private AppInstance(LocalApp app)
    {
        _app = app;
        Http = app.CreateHttpClient();
    }

    /// <summary>Base address <c>…/api/</c>, like <see cref="LocalStackFixture.Http"/>.</summary>
    public HttpClient Http { get; }

    /// <summary>This instance's Cosmos DB round trips, counted at the wire.</summary>
    public CosmosRequestProxy Wire => _app.Wire;

    public static async Task<AppInstance> StartAsync(LocalStackFixture stack, int snapshotInterval) =>
        new(await stack.StartAppAsync(new Dictionary<string, string?> { [AppSettings.SnapshotInterval] = LocalStack.Setting(snapshotInterval) }));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.DisposeAsync();
    }
}
