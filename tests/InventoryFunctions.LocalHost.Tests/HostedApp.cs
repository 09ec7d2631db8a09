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
    }

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
        var host = LocalHostApp.Build(
            new LocalHostOptions { ScriptRoot = scriptRoot, Urls = ["http://127.0.0.1:0"], Settings = settings },
            logging => logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug).AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        await host.StartAsync();
        return new HostedApp(host, logs, scriptRoot);
    }

    public Task<T?> GetJsonAsync<T>(string path) => Http.GetFromJsonAsync<T>(path);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}
