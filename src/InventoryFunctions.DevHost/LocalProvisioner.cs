using Azure.Storage.Queues;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.DevHost;

/// <summary>
/// Creates what the app expects to exist on local stand-ins (Cosmos DB dev server or emulator, Azurite): the
/// database, the three containers and the poison queue. In Azure, <c>infra/main.bicep</c> declares them; the app
/// itself never creates resources.
/// </summary>
public static class LocalProvisioner
{
    public static async Task EnsureAsync(CosmosClient client, CosmosOptions options, QueueClient? poisonQueue, CancellationToken cancellationToken = default)
    {
        var database = (await client.CreateDatabaseIfNotExistsAsync(options.DatabaseName, cancellationToken: cancellationToken)).Database;
        // Events never expire; idempotency records carry their own ttl.
        await database.CreateContainerIfNotExistsAsync(
            new ContainerProperties(options.EventsContainerName, "/inventoryId") { DefaultTimeToLive = -1 }, cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(options.ProjectionsContainerName, "/inventoryId", cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(options.LeasesContainerName, "/id", cancellationToken: cancellationToken);
        if (poisonQueue is not null)
            await poisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }
}
