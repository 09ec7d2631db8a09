using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// The change feed of the events container drives the inventory views. The retry policy matters: without one, the
/// trigger checkpoints a batch even when the function failed, and the failed changes would never be projected.
/// </summary>
public sealed class ProjectInventoryFunction(InventoryProjector projector)
{
    /// <summary>How often an idle feed is polled, in ms (the extension's default is 5000).</summary>
    public const int FeedPollDelayMs = 1000;

    [Function(nameof(ProjectInventory))]
    [ExponentialBackoffRetry(-1, "00:00:01", "00:01:00")]
    public Task ProjectInventory(
        [CosmosDBTrigger(
            databaseName: "%" + AppSettings.DatabaseName + "%",
            containerName: "%" + AppSettings.EventsContainerName + "%",
            Connection = AppSettings.CosmosConnection,
            LeaseContainerName = "%" + AppSettings.LeasesContainerName + "%",
            CreateLeaseContainerIfNotExists = false,
            StartFromBeginning = true,
            FeedPollDelay = FeedPollDelayMs)]
        IReadOnlyList<JsonElement> documents,
        CancellationToken cancellationToken) =>
        projector.ProjectAsync(EventCodec.ReadChanges(documents), cancellationToken);
}
