using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>A third projection of the change feed, with its own leases: the global most-collected counters and board.</summary>
public sealed class ProjectGlobalCollectedFunction(GlobalCollectedProjector projector)
{
    public const string LeasePrefix = "collected-";

    [Function(nameof(ProjectGlobalCollected))]
    [ExponentialBackoffRetry(-1, "00:00:01", "00:01:00")]
    public Task ProjectGlobalCollected(
        [CosmosDBTrigger(
            databaseName: "%" + AppSettings.DatabaseName + "%",
            containerName: "%" + AppSettings.EventsContainerName + "%",
            Connection = AppSettings.CosmosConnection,
            LeaseContainerName = "%" + AppSettings.LeasesContainerName + "%",
            LeaseContainerPrefix = LeasePrefix,
            MaxItemsPerInvocation = ProjectInventoryFunction.MaxItemsPerInvocation,
            CreateLeaseContainerIfNotExists = false,
            StartFromBeginning = true,
            FeedPollDelay = ProjectInventoryFunction.FeedPollDelayMs,
            LeaseRenewInterval = ProjectInventoryFunction.LeaseRenewIntervalMs,
            LeaseAcquireInterval = ProjectInventoryFunction.LeaseAcquireIntervalMs,
            LeaseExpirationInterval = ProjectInventoryFunction.LeaseExpirationIntervalMs)]
        IReadOnlyList<JsonElement> documents,
        CancellationToken cancellationToken) =>
        projector.ProjectAsync(EventCodec.ReadChanges(documents), cancellationToken);
}
