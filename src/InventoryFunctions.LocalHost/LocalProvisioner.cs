using Azure.Storage.Queues;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// Creates what the app expects to exist on local stand-ins (Cosmos DB dev server or emulator, Azurite): the
/// database, the events, projections and leases containers, and the poison and rebuild queues, named by the app settings. In
/// Azure, infra/main.bicep declares them; neither the app nor the host creates resources there.
/// </summary>
public static class LocalProvisioner
{
    public static async Task EnsureAsync(HostSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        var connection = settings["CosmosDb"] ?? throw new InvalidOperationException("Set 'CosmosDb' to a Cosmos DB connection string.");
        using var client = new CosmosClient(connection, new CosmosClientOptions { ConnectionMode = ConnectionMode.Gateway, LimitToEndpoint = true });
        var database = (await client.CreateDatabaseIfNotExistsAsync(settings["CosmosDatabaseName"] ?? "inventory", cancellationToken: cancellationToken)).Database;
        // Events never expire by default; idempotency records carry their own ttl.
        await database.CreateContainerIfNotExistsAsync(
            new ContainerProperties(settings["EventsContainerName"] ?? "events", "/inventoryId") { DefaultTimeToLive = -1 }, cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(settings["ProjectionsContainerName"] ?? "projections", "/inventoryId", cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(settings["LeasesContainerName"] ?? "leases", "/id", cancellationToken: cancellationToken);

        if (settings["PoisonQueueStorage"] is { Length: > 0 } storage)
        {
            foreach (var name in new[] { settings["PoisonQueueName"] ?? "projection-poison", settings["RebuildQueueName"] ?? "projection-rebuilds" })
                await new QueueClient(storage, name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        await log.WriteLineAsync($"Cosmos DB database '{database.Id}', its containers and the queues are ready.");
    }
}
