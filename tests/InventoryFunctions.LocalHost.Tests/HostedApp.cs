using System.Net.Http.Json;
using InventoryFunctions.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.LocalHost.Tests;

/// <summary>
/// A worker app's build output served by the local host (in this process) on a free loopback port; the worker itself
/// is a child process. Logs are captured besides going to the console.
/// </summary>
public sealed class HostedApp : IAsyncDisposable
{
    private readonly WebApplication _host;

    private HostedApp(WebApplication host, CapturedLogs logs, string scriptRoot)
    {
        _host = host;
        Logs = logs;
        ScriptRoot = scriptRoot;
        Http = new HttpClient { BaseAddress = new Uri(LocalHostApp.HttpAddresses(host)[0], "/api/") };
        IssuerBase = new Uri(LocalHostApp.HttpAddresses(host)[0], DevIssuer.PathBase + "/");
    }

    /// <summary>The host's development issuer (<c>…/dev-issuer/</c>), which the app's <c>AuthIssuer</c> names.</summary>
    public Uri IssuerBase { get; }

    public CapturedLogs Logs { get; }

    public HttpClient Http { get; }

    public string ScriptRoot { get; }

    public WorkerHost Workers => _host.Services.GetRequiredService<WorkerHost>();

    public TriggerListeners Triggers => _host.Services.GetRequiredService<TriggerListeners>();

    /// <summary>The build output of a worker project of this repository (same configuration as the tests).</summary>
    public static string OutputOf(string projectDirectory, string assemblyName) => LocalApp.BuildOutput(projectDirectory, assemblyName);

    public static async Task<HostedApp> StartAsync(string scriptRoot, IReadOnlyDictionary<string, string?> settings)
    {
        var logs = new CapturedLogs();
        // The app checks tokens against the host's development issuer, which is named after the host's address.
        var origin = DevIssuerTokens.FreeLoopbackOrigin();
        var all = new Dictionary<string, string?>(settings);
        all.TryAdd(InventoryFunctions.AppSettings.AuthIssuer, origin + DevIssuer.PathBase);
        all.TryAdd(InventoryFunctions.AppSettings.AuthAudience, DevIssuer.DefaultAudience);
        var host = LocalHostApp.Build(
            new LocalHostOptions { ScriptRoot = scriptRoot, Urls = [origin], Settings = all },
            logging => logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug).AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        await host.StartAsync();
        var app = new HostedApp(host, logs, scriptRoot);
        // A trusted server that is also an admin, so the tests may call every route.
        app.Http.DefaultRequestHeaders.Authorization = new("Bearer",
            await DevIssuerTokens.IssueAsync(app.IssuerBase, LocalApp.DefaultSubject, LocalApp.DefaultRoles));
        return app;
    }

    public Task<T?> GetJsonAsync<T>(string path) => Http.GetFromJsonAsync<T>(path);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}
