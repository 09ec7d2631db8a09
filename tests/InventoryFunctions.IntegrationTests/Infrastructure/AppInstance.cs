using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Another instance of the app on the shared stack with a snapshot interval (and request handlers) of its own, and an
/// HTTP client for it. Its change feed is off: the stack's app already projects.
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

    public static async Task<AppInstance> StartAsync(LocalStackFixture stack, int snapshotInterval, params RequestHandler[] handlers) =>
        new(await stack.StartAppAsync(new Dictionary<string, string?> { [AppSettings.SnapshotInterval] = LocalStack.Setting(snapshotInterval) }, handlers));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.DisposeAsync();
    }
}
