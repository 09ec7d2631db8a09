using InventoryFunctions.DevHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace InventoryFunctions.Testing;

/// <summary>
/// The app as tests and benchmarks run it, and the only place that knows how it is hosted: today the in-process dev
/// host (HTTP functions on Kestrel on a free loopback port, the change-feed function on the SDK's processor).
/// Swapping the host for a real worker process changes this class and nothing that uses it.
/// </summary>
public sealed class LocalApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalApp(WebApplication app) => _app = app;

    /// <summary>The app's <c>…/api/</c> base address (its port is chosen when it starts).</summary>
    public Uri ApiBase { get; private set; } = null!;

    /// <summary>The app's services (its options, metrics, cache), for tests that inspect the running app.</summary>
    public IServiceProvider Services => _app.Services;

    public IConfiguration Configuration => _app.Configuration;

    /// <summary>
    /// Starts the app with <paramref name="settings"/> (app settings, as in local.settings.json) and extra services;
    /// <paramref name="beforeStart"/> runs once the app is configured and before its triggers start (provisioning).
    /// </summary>
    public static async Task<LocalApp> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null,
        Func<LocalApp, Task>? beforeStart = null)
    {
        var app = new LocalApp(DevHostApp.Build([], new Dictionary<string, string?>(settings) { ["urls"] = "http://127.0.0.1:0" }, services));
        try
        {
            if (beforeStart is not null)
                await beforeStart(app);
            await app._app.StartAsync();
            app.ApiBase = new Uri(app._app.Urls.First() + "/api/");
            return app;
        }
        catch
        {
            await app._app.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client for <see cref="ApiBase"/>.</summary>
    public HttpClient CreateHttpClient() => ApiClient.CreateHttpClient(ApiBase);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
