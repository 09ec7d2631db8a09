using System.Text.Json;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.LocalHost.Tests;

/// <summary>The test worker app (tests/LocalHost.TestWorker) on the local host, with a Cosmos DB dev server of its own.</summary>
public sealed class TestWorkerFixture : IAsyncLifetime
{
    public const string DatabaseName = "localhost-tests";

    public CosmosDevServer Cosmos { get; private set; } = null!;
    public CosmosClient Client { get; private set; } = null!;
    public HostedApp App { get; private set; } = null!;

    public Container Leases => Client.GetContainer(DatabaseName, "leases");

    public Container Monitored(string name) => Client.GetContainer(DatabaseName, name);

    public async Task InitializeAsync()
    {
        Cosmos = await CosmosDevServer.StartAsync();
        Client = Cosmos.CreateClient();
        var database = (await Client.CreateDatabaseIfNotExistsAsync(DatabaseName)).Database;
        foreach (var container in new[] { "with-retry", "without-retry", "leases" })
            await database.CreateContainerIfNotExistsAsync(container, "/id");

        App = await HostedApp.StartAsync(HostedApp.OutputOf("tests/LocalHost.TestWorker", "LocalHost.TestWorker.dll"), new Dictionary<string, string?>
        {
            ["CosmosDb"] = Cosmos.ConnectionString,
            ["CosmosDatabaseName"] = DatabaseName,
            ["TestSetting"] = "from the host's settings",
            // The queue triggers have their own tests and Azurite (QueueTriggerTests).
            ["AzureWebJobs.OnQueueItem.Disabled"] = "true",
            ["AzureWebJobs.OnQueueBytes.Disabled"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
            await App.DisposeAsync();
        Client?.Dispose();
        if (Cosmos is not null)
            await Cosmos.DisposeAsync();
    }

    /// <summary>Lease documents (not the .info/.lock store documents) whose id starts with <paramref name="prefix"/>.</summary>
    public async Task<List<JsonElement>> LeasesAsync(string prefix)
    {
        var leases = new List<JsonElement>();
        using var feed = Leases.GetItemQueryStreamIterator();
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync();
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content);
            leases.AddRange(body.RootElement.GetProperty("Documents").EnumerateArray()
                .Where(d => d.TryGetProperty("LeaseToken", out _) && d.GetProperty("id").GetString()!.StartsWith(prefix, StringComparison.Ordinal))
                .Select(d => d.Clone()));
        }
        return leases;
    }
}
