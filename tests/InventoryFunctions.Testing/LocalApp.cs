using System.Data.Common;
using InventoryFunctions.Http.Auth;
using InventoryFunctions.LocalHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Testing;

/// <summary>
/// The app as tests and benchmarks run it, and the only place that knows how it is hosted: the app's built worker
/// (src/InventoryFunctions output, InventoryFunctions.dll) as its own process under the local Functions host
/// (src/InventoryFunctions.LocalHost, run in this process on a free loopback port), exactly as <c>./run.sh</c> runs
/// it. The app reaches Cosmos DB through a counting proxy (<see cref="Wire"/>), so its round trips can be counted
/// although it runs in another process. It checks bearer tokens as in Azure, against the host's development issuer
/// (<see cref="Issuer"/>); <see cref="CreateHttpClient()"/> sends one, fetched from that issuer over HTTP.
/// </summary>
public sealed class LocalApp : IAsyncDisposable
{
    private readonly WebApplication _host;

    /// <summary>Who <see cref="CreateHttpClient()"/> is: a trusted server that is also an admin, so it may call every route.</summary>
    public const string DefaultSubject = "test-server";

    public static readonly IReadOnlyList<string> DefaultRoles = [AppRoles.Server, AppRoles.Admin];

    private LocalApp(WebApplication host, CosmosRequestProxy wire, CapturedLogs logs, IReadOnlyDictionary<string, string?> settings)
    {
        _host = host;
        Wire = wire;
        Logs = logs;
        Settings = settings;
        ApiBase = new Uri(LocalHostApp.HttpAddresses(host)[0], "/api/");
        IssuerBase = new Uri(LocalHostApp.HttpAddresses(host)[0], DevIssuer.PathBase + "/");
    }

    /// <summary>The development issuer's address (<c>…/dev-issuer/</c>), which the app's <c>AuthIssuer</c> names.</summary>
    public Uri IssuerBase { get; }

    /// <summary>The host's development issuer (it counts the JWKS fetches).</summary>
    public DevIssuer Issuer => _host.Services.GetRequiredService<DevIssuer>();

    /// <summary>A token for <see cref="DefaultSubject"/> with <see cref="DefaultRoles"/>, fetched at start (valid 24 h).</summary>
    public string DefaultToken { get; private set; } = "";

    /// <summary>The app's <c>…/api/</c> base address (its port is chosen when it starts).</summary>
    public Uri ApiBase { get; }

    /// <summary>Every Cosmos DB round trip of this app: its functions and its Cosmos DB trigger.</summary>
    public CosmosRequestProxy Wire { get; }

    /// <summary>What the host logged (worker logs included), for diagnostics and log assertions.</summary>
    public CapturedLogs Logs { get; }

    /// <summary>The app settings it runs with (its <c>CosmosDb</c> names the real store, not the proxy).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The worker process the host runs (tests kill it).</summary>
    public WorkerHost Workers => _host.Services.GetRequiredService<WorkerHost>();

    /// <summary>The app's build output, run as the worker (built by the same configuration as the caller).</summary>
    public static string ScriptRoot { get; } = BuildOutput("src/InventoryFunctions", "InventoryFunctions.dll");

    /// <summary>A worker project's build output in this repository.</summary>
    public static string BuildOutput(string projectDirectory, string assemblyName)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var output = Path.Combine(RepositoryPaths.Root, projectDirectory, "bin", configuration, "net10.0");
        if (!File.Exists(Path.Combine(output, assemblyName)))
            throw new InvalidOperationException($"{assemblyName} is not built in {output}: build the solution first (./test.sh does).");
        return output;
    }

    /// <summary>
    /// Starts the app with <paramref name="settings"/> (app settings, as in local.settings.json; <c>CosmosDb</c> must
    /// be a connection string); <paramref name="beforeStart"/> runs before its triggers start (provisioning).
    /// </summary>
    /// <param name="configureWire">Sets up the proxy before the app's first round trip (which answers to keep).</param>
    public static async Task<LocalApp> StartAsync(IReadOnlyDictionary<string, string?> settings, Func<Task>? beforeStart = null, string? scriptRoot = null,
        Action<CosmosRequestProxy>? configureWire = null)
    {
        var connection = settings[AppSettings.CosmosConnection] ?? throw new InvalidOperationException($"'{AppSettings.CosmosConnection}' is not set.");
        var account = new DbConnectionStringBuilder { ConnectionString = connection };
        var wire = await CosmosRequestProxy.StartAsync(new Uri((string)account["AccountEndpoint"]), (string)account["AccountKey"]);
        configureWire?.Invoke(wire);
        try
        {
            if (beforeStart is not null)
                await beforeStart();
            var logs = new CapturedLogs();
            // The issuer's address is the host's, so the port is chosen before the host starts; the app gets it as
            // AuthIssuer like any other setting (a test may name another issuer or audience to see them refused).
            var origin = DevIssuerTokens.FreeLoopbackOrigin();
            var appSettings = new Dictionary<string, string?>(settings) { [AppSettings.CosmosConnection] = wire.ConnectionString };
            appSettings.TryAdd(AppSettings.AuthIssuer, origin + DevIssuer.PathBase);
            appSettings.TryAdd(AppSettings.AuthAudience, DevIssuer.DefaultAudience);
            var host = LocalHostApp.Build(
                new LocalHostOptions
                {
                    ScriptRoot = scriptRoot ?? ScriptRoot,
                    Urls = [origin],
                    Settings = appSettings,
                },
                logging => logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information)
                    .AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning));
            await host.StartAsync();
            // Ready as an app is ready: its change feed processors run before the first write is made.
            try
            {
                await host.Services.GetRequiredService<TriggerListeners>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                // A trigger that cannot start (its store unreachable) does not keep the HTTP functions from serving.
            }
            var app = new LocalApp(host, wire, logs, settings);
            app.DefaultToken = await app.IssueTokenAsync(DefaultSubject, DefaultRoles, lifetimeSeconds: DevIssuer.MaxLifetimeSeconds);
            return app;
        }
        catch
        {
            await wire.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client for <see cref="ApiBase"/> that sends <see cref="DefaultToken"/>.</summary>
    public HttpClient CreateHttpClient() => ApiClient.CreateHttpClient(ApiBase, DefaultToken);

    /// <summary>An HTTP client for <see cref="ApiBase"/> that sends a token for <paramref name="subject"/> with <paramref name="roles"/>.</summary>
    public async Task<HttpClient> CreateHttpClientAsync(string subject, params string[] roles) =>
        ApiClient.CreateHttpClient(ApiBase, await IssueTokenAsync(subject, roles));

    /// <summary>A token from this host's development issuer (see <see cref="DevIssuerTokens.IssueAsync"/>).</summary>
    public Task<string> IssueTokenAsync(string subject, IEnumerable<string>? roles = null, int lifetimeSeconds = 3600,
        string? audience = null, int? notBeforeSeconds = null, string? appId = null) =>
        DevIssuerTokens.IssueAsync(IssuerBase, subject, roles, lifetimeSeconds, audience, notBeforeSeconds, appId);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
        await Wire.DisposeAsync();
    }
}
