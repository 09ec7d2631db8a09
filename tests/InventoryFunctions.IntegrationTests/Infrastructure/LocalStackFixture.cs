using System.Net.Http.Json;
using InventoryFunctions.DevHost;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Queues;
using InventoryFunctions.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// One local stack per test run: the Cosmos DB dev server and Azurite as child processes, and the app served by the
/// dev host on a free loopback port, with a request counter in its Cosmos client. Tests use unique inventory ids.
/// </summary>
public sealed class LocalStackFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public CosmosDevServer Cosmos { get; private set; } = null!;
    public AzuriteServer Azurite { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public RequestCounter AppRequests { get; } = new();
    public IServiceProvider Services => _app!.Services;

    /// <summary>A client of the test's own, for arranging and inspecting documents directly.</summary>
    public CosmosClient Client { get; private set; } = null!;

    public CosmosOptions Options => Services.GetRequiredService<IOptions<CosmosOptions>>().Value;

    public Container Events => Client.GetContainer(Options.DatabaseName, Options.EventsContainerName);

    public async Task InitializeAsync()
    {
        var cosmos = CosmosDevServer.StartUnlessConfiguredAsync();
        var azurite = AzuriteServer.StartAsync();
        Cosmos = await cosmos;
        Azurite = await azurite;
        Client = Cosmos.CreateClient();

        _app = DevHostApp.Build([], Settings(), services => services.AddSingleton<RequestHandler>(AppRequests));
        await LocalProvisioner.EnsureAsync(Client, Options, StoragePoisonQueue.CreateClient(_app.Configuration));
        await _app.StartAsync();
        var address = _app.Urls.First();
        Http = new HttpClient { BaseAddress = new Uri(address + "/api/") };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Client?.Dispose();
        if (Cosmos is not null)
            await Cosmos.DisposeAsync();
        if (Azurite is not null)
            await Azurite.DisposeAsync();
    }

    public static string NewInventoryId(string prefix = "inv") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 33)];

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) => Http.PostAsJsonAsync(path, body);

    private Dictionary<string, string?> Settings() => new()
    {
        ["urls"] = "http://127.0.0.1:0",
        [AppSettings.CosmosConnection] = Cosmos.ConnectionString,
        [AppSettings.DatabaseName] = "inventory",
        [AppSettings.EventsContainerName] = "events",
        [AppSettings.ProjectionsContainerName] = "projections",
        [AppSettings.LeasesContainerName] = "leases",
        [AppSettings.PoisonQueueConnection] = Azurite.ConnectionString,
        [AppSettings.PoisonQueueName] = "projection-poison",
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        ["Logging:LogLevel:Default"] = "Warning",
    };
}

[CollectionDefinition(Name)]
public sealed class LocalStackGroup : ICollectionFixture<LocalStackFixture>
{
    public const string Name = "local stack";
}
