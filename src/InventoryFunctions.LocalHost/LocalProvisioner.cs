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
        // Events never expire by default; idempotency records carry their own ttl. The indexing policies are infra's, so
        // that the dev server's request-unit model charges what Azure would (a write pays for every value indexed).
        await database.CreateContainerIfNotExistsAsync(
            new ContainerProperties(settings["EventsContainerName"] ?? "events", "/inventoryId") { DefaultTimeToLive = -1, IndexingPolicy = EventsIndexing() },
            cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(
            new ContainerProperties(settings["ProjectionsContainerName"] ?? "projections", "/inventoryId") { IndexingPolicy = Indexing("/inventoryId/?") },
            cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(settings["LeasesContainerName"] ?? "leases", "/id", cancellationToken: cancellationToken);

        if (settings["PoisonQueueStorage"] is { Length: > 0 } storage)
        {
            foreach (var name in new[] { settings["PoisonQueueName"] ?? "projection-poison", settings["RebuildQueueName"] ?? "projection-rebuilds" })
                await new QueueClient(storage, name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        await log.WriteLineAsync($"Cosmos DB database '{database.Id}', its containers and the queues are ready.");
    }

    /// <summary>The events container's policy in infra/main.bicep: the paths its queries filter and sort on, and the snapshot lookup's composite index.</summary>
    public static IndexingPolicy EventsIndexing()
    {
        var policy = Indexing("/inventoryId/?", "/version/?", "/kind/?", "/state/version/?", "/occurredAt/?");
        policy.CompositeIndexes.Add(new System.Collections.ObjectModel.Collection<CompositePath>
        {
            new() { Path = "/kind", Order = CompositePathSortOrder.Ascending },
            new() { Path = "/state/version", Order = CompositePathSortOrder.Descending },
        });
        return policy;
    }

    /// <summary>Only <paramref name="paths"/> indexed, everything else excluded, as infra declares its containers.</summary>
    private static IndexingPolicy Indexing(params string[] paths)
    {
        var policy = new IndexingPolicy { IndexingMode = IndexingMode.Consistent, Automatic = true };
        foreach (var path in paths)
            policy.IncludedPaths.Add(new IncludedPath { Path = path });
        policy.ExcludedPaths.Add(new ExcludedPath { Path = "/*" });
        return policy;
    }
}
