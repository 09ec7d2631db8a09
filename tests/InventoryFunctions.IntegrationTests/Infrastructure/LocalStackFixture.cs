using System.Net.Http.Json;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// One <see cref="LocalStack"/> per test run (the Cosmos DB named by <c>CosmosDb</c> when set, else the dev server),
/// its app with a request counter in its Cosmos client. Tests use unique inventory ids.
/// </summary>
public sealed class LocalStackFixture : IAsyncLifetime
{
    private LocalStack? _stack;

    public LocalStack Stack => _stack ?? throw new InvalidOperationException("The stack has not started.");
    public CosmosDevServer Cosmos => Stack.Cosmos;
    public AzuriteServer Azurite => Stack.Azurite;
    public HttpClient Http { get; private set; } = null!;
    public RequestCounter AppRequests { get; } = new();
    public IServiceProvider Services => Stack.App.Services;

    /// <summary>A client of the test's own, for arranging and inspecting documents directly.</summary>
    public CosmosClient Client => Stack.Client;

    public CosmosOptions Options => Stack.Options;

    public Container Events => Stack.Events;

    public async Task InitializeAsync()
    {
        _stack = await LocalStack.StartAsync(useConfiguredCosmos: true, services: services => services.AddSingleton<RequestHandler>(AppRequests));
        Http = Stack.App.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_stack is not null)
            await _stack.DisposeAsync();
    }

    public static string NewInventoryId(string prefix = "inv") => LocalStack.NewInventoryId(prefix);

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) => Http.PostAsJsonAsync(path, body);

    /// <summary>Another app instance on the stack's stores, with <paramref name="settings"/> and request handlers of its own.</summary>
    public Task<LocalApp> StartAppAsync(IReadOnlyDictionary<string, string?>? settings, params RequestHandler[] handlers) =>
        Stack.StartAppAsync(settings, services =>
        {
            foreach (var handler in handlers)
                services.AddSingleton(handler);
        });
}

[CollectionDefinition(Name)]
public sealed class LocalStackGroup : ICollectionFixture<LocalStackFixture>
{
    public const string Name = "local stack";
}
