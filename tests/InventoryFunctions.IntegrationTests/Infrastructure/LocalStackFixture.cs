using System.Net.Http.Json;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// One <see cref="LocalStack"/> per test run (the Cosmos DB named by <c>CosmosDb</c> when set, else the dev server),
/// its app (the real worker under the local Functions host) with its Cosmos round trips counted at the wire. Tests use
/// unique inventory ids.
/// </summary>
public sealed class LocalStackFixture(IMessageSink diagnostics) : IAsyncLifetime
{
    private LocalStack? _stack;

    public LocalStack Stack => _stack ?? throw new InvalidOperationException("The stack has not started.");
    public CosmosDevServer Cosmos => Stack.Cosmos;
    public AzuriteServer Azurite => Stack.Azurite;
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The shared app's Cosmos DB round trips (its functions and its projector).</summary>
    public CosmosRequestProxy AppRequests => Stack.App.Wire;

    /// <summary>The app's registrations built in the test process, for tests of the adapters (see <see cref="LocalStack.Services"/>).</summary>
    public IServiceProvider Services => Stack.Services;

    /// <summary>A client of the test's own, for arranging and inspecting documents directly.</summary>
    public CosmosClient Client => Stack.Client;

    public CosmosOptions Options => Stack.Options;

    public Container Events => Stack.Events;

    public async Task InitializeAsync()
    {
        _stack = await LocalStack.StartAsync(useConfiguredCosmos: true);
        Http = Stack.App.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        // How much of the OpenAPI document the tests exercised so far (the whole run's figure: .artifacts/openapi-coverage.txt).
        diagnostics.OnMessage(new Xunit.Sdk.DiagnosticMessage(OpenApiContract.Instance.CoverageReport()));
        Http?.Dispose();
        if (_stack is not null)
            await _stack.DisposeAsync();
    }

    public static string NewInventoryId(string prefix = "inv") => LocalStack.NewInventoryId(prefix);

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) => Http.PostAsJsonAsync(path, body);

    /// <summary>Another app instance (its own worker process) on the stack's stores, with <paramref name="settings"/> of its own.</summary>
    public Task<LocalApp> StartAppAsync(IReadOnlyDictionary<string, string?>? settings, Action<CosmosRequestProxy>? configureWire = null) =>
        Stack.StartAppAsync(settings, configureWire);
}

[CollectionDefinition(Name)]
public sealed class LocalStackGroup : ICollectionFixture<LocalStackFixture>
{
    public const string Name = "local stack";
}
