using InventoryFunctions.Storage;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.DevHost;

/// <summary>
/// Creates the database and containers on a local Cosmos DB (dev server or emulator) when missing.
/// In Azure, <c>infra/main.bicep</c> declares them; the app itself never creates resources.
/// </summary>
public static class LocalCosmosProvisioner
{
    public static async Task EnsureAsync(CosmosClient client, CosmosOptions options, CancellationToken cancellationToken = default)
    {
        var database = (await client.CreateDatabaseIfNotExistsAsync(options.DatabaseName, cancellationToken: cancellationToken)).Database;
        await database.CreateContainerIfNotExistsAsync(options.EventsContainerName, "/inventoryId", cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(options.ProjectionsContainerName, "/inventoryId", cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(options.LeasesContainerName, "/id", cancellationToken: cancellationToken);
    }
}
