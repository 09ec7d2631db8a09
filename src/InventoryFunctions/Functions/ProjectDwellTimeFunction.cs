using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// A second projection of the same change feed: the dwell-time views. Its own lease prefix gives it its own
/// checkpoints, so it lags, fails and retries independently of the inventory views.
/// </summary>
public sealed class ProjectDwellTimeFunction(ViewProjectors views)
{
    public const string LeasePrefix = "dwell-";

    [Function(nameof(ProjectDwellTime))]
    [ExponentialBackoffRetry(-1, "00:00:01", "00:01:00")]
    public Task ProjectDwellTime(
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
        views.DwellTimes.ProjectAsync(EventCodec.ReadChanges(documents), cancellationToken);
}
