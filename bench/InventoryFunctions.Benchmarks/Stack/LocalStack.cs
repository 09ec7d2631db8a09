using InventoryFunctions.DevHost;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Queues;
using InventoryFunctions.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Benchmarks.Stack;

/// <summary>
/// The local stack in this process, as the integration tests stand it up: the Cosmos DB dev server and Azurite as
/// child processes on free loopback ports, and the app served by the dev host (HTTP functions on Kestrel, the
/// change-feed function driven by the SDK's ChangeFeedProcessor), so the app's <see cref="CosmosRequestMetrics"/>
/// can be read.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private const string Database = "inventory";
    private const string EventsContainer = "events";
    private const string ProjectionsContainer = "projections";

    private CosmosDevServer? _cosmos;
    private AzuriteServer? _azurite;
    private WebApplication? _app;

    private LocalStack()
    {
    }

    public Uri ApiBase { get; private set; } = null!;

    public CosmosRequestMetrics Metrics { get; private set; } = null!;

    public RequestLedger Ledger { get; private set; } = null!;

    public int SnapshotInterval { get; private set; }

    public static async Task<LocalStack> StartAsync(int pollDelayMs)
    {
        var stack = new LocalStack();
        try
        {
            var cosmos = CosmosDevServer.StartAsync();
            var azurite = AzuriteServer.StartAsync();
            stack._cosmos = await cosmos;
            stack._azurite = await azurite;

            var settings = new Dictionary<string, string?>
            {
                ["urls"] = "http://127.0.0.1:0",
                [AppSettings.CosmosConnection] = stack._cosmos.ConnectionString,
                [AppSettings.DatabaseName] = Database,
                [AppSettings.EventsContainerName] = EventsContainer,
                [AppSettings.ProjectionsContainerName] = ProjectionsContainer,
                [AppSettings.LeasesContainerName] = "leases",
                [AppSettings.PoisonQueueConnection] = stack._azurite.ConnectionString,
                [AppSettings.PoisonQueueName] = "projection-poison",
                ["AzureWebJobsStorage"] = stack._azurite.ConnectionString,
                ["ChangeFeedPollDelayMs"] = pollDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Warning",
            };
            stack._app = DevHostApp.Build([], settings, services =>
            {
                services.AddHttpContextAccessor();
                services.AddSingleton(sp => new RequestLedger(sp.GetRequiredService<IHttpContextAccessor>(), EventsContainer, ProjectionsContainer));
                services.AddSingleton<Microsoft.Azure.Cosmos.RequestHandler>(sp => sp.GetRequiredService<RequestLedger>());
            });

            using (var provisioning = stack._cosmos.CreateClient())
            {
                var options = stack._app.Services.GetRequiredService<IOptions<CosmosOptions>>().Value;
                await LocalProvisioner.EnsureAsync(provisioning, options, StoragePoisonQueue.CreateClient(stack._app.Configuration));
            }

            await stack._app.StartAsync();
            stack.ApiBase = new Uri(stack._app.Urls.First() + "/api/");
            stack.Metrics = stack._app.Services.GetRequiredService<CosmosRequestMetrics>();
            stack.Ledger = stack._app.Services.GetRequiredService<RequestLedger>();
            stack.SnapshotInterval = stack._app.Services.GetRequiredService<IOptions<SnapshotOptions>>().Value.Interval;
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Forgets every cached head, as a new or restarted instance would have none.</summary>
    public void ForgetCachedHeads()
    {
        if (_app!.Services.GetRequiredService<IMemoryCache>() is MemoryCache cache)
            cache.Clear();
        else
            throw new InvalidOperationException("The app's IMemoryCache is not a MemoryCache; cannot simulate a cold instance.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_cosmos is not null)
            await _cosmos.DisposeAsync();
        if (_azurite is not null)
            await _azurite.DisposeAsync();
    }
}
