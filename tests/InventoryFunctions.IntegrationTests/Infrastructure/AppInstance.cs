using InventoryFunctions.DevHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Another instance of the app on the shared stack, with settings of its own (a snapshot interval, request handlers
/// in its Cosmos client). Its change feed is off unless asked for: the stack's app already projects, and a second
/// processor on the same leases would split them with it.
/// </summary>
public sealed class AppInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AppInstance(WebApplication app, HttpClient http)
    {
        _app = app;
        Http = http;
    }

    /// <summary>Base address <c>…/api/</c>, like <see cref="LocalStackFixture.Http"/>.</summary>
    public HttpClient Http { get; }

    public static async Task<AppInstance> StartAsync(LocalStackFixture stack, int snapshotInterval, params RequestHandler[] handlers)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            [AppSettings.CosmosConnection] = stack.Cosmos.ConnectionString,
            [AppSettings.DatabaseName] = stack.Options.DatabaseName,
            [AppSettings.EventsContainerName] = stack.Options.EventsContainerName,
            [AppSettings.ProjectionsContainerName] = stack.Options.ProjectionsContainerName,
            [AppSettings.LeasesContainerName] = "leases",
            [AppSettings.PoisonQueueConnection] = stack.Azurite.ConnectionString,
            [AppSettings.PoisonQueueName] = "projection-poison",
            [AppSettings.SnapshotInterval] = snapshotInterval.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AzureWebJobsStorage"] = stack.Azurite.ConnectionString,
            ["DevHost:ChangeFeed"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var app = DevHostApp.Build([], settings, services =>
        {
            foreach (var handler in handlers)
                services.AddSingleton(handler);
        });
        await app.StartAsync();
        return new AppInstance(app, new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/api/") });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
