using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// The change feed of the events container drives the inventory views and, from the same batch, the collected views
/// ("most collected"), first (so an inventory view's old collected list is never the only answer for long). The retry
/// policy matters: without one, the trigger checkpoints a batch even when the function failed, and the failed changes
/// would never be projected. Both views are idempotent by version, so a retry of the batch changes nothing for the one
/// that succeeded.
/// </summary>
public sealed class ProjectInventoryFunction(InventoryProjector projector, VersionedViewProjector<CollectedView> collected)
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
        CancellationToken cancellationToken) => ProjectBothAsync(EventCodec.ReadChanges(documents), cancellationToken);

    private async Task ProjectBothAsync(IReadOnlyList<ChangedDocument> changes, CancellationToken cancellationToken)
    {
        var totals = collected.ProjectAsync(changes, cancellationToken);
        try
        {
            await totals;
        }
        finally
        {
            // The inventory views are projected even when the totals failed; the first failure is rethrown after.
            await projector.ProjectAsync(changes, cancellationToken);
        }
    }
}
