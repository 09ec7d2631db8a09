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

    /// <summary>
    /// The trigger's processor name: its leases are the documents in the lease container whose ids start with it.
    /// Every change-feed function has a prefix of its own, so a second one never takes over this one's leases.
    /// Changing it starts a new processor, which (StartFromBeginning) projects the whole feed again: harmless, since
    /// applying is idempotent by version, but it costs a full read of the feed.
    /// </summary>
    public const string LeasePrefix = "ProjectInventory";

    /// <summary>
    /// Documents per invocation, set explicitly: target-based scaling divides the estimated backlog by it to pick
    /// the instance count, and the projector does one read and at most one write per inventory per batch.
    /// </summary>
    public const int MaxItemsPerInvocation = 100;

    [Function(nameof(ProjectInventory))]
    [ExponentialBackoffRetry(-1, "00:00:01", "00:01:00")]
    public Task ProjectInventory(
        [CosmosDBTrigger(
            databaseName: "%" + AppSettings.DatabaseName + "%",
            containerName: "%" + AppSettings.EventsContainerName + "%",
            Connection = AppSettings.CosmosConnection,
            LeaseContainerName = "%" + AppSettings.LeasesContainerName + "%",
            CreateLeaseContainerIfNotExists = false,
            LeaseContainerPrefix = LeasePrefix,
            MaxItemsPerInvocation = MaxItemsPerInvocation,
            StartFromBeginning = true,
            FeedPollDelay = FeedPollDelayMs)]
        IReadOnlyList<JsonElement> documents,
        CancellationToken cancellationToken) =>
        projector.ProjectAsync(EventCodec.ReadChanges(documents), cancellationToken);
}
