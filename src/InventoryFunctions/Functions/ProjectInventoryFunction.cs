using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// The change feed of the events container drives the inventory views and, through the same step, the collected views
/// ("most collected"): per inventory one read of both roots and one transactional batch. The retry policy matters:
/// without one, the trigger checkpoints a batch even when the function failed, and the failed changes would never be
/// projected. Both views are idempotent by version, so a retry of the batch changes nothing for what was written.
/// </summary>
public sealed class ProjectInventoryFunction(ViewProjectors views)
{
    /// <summary>How often an idle feed is polled, in ms (the extension's default is 5000).</summary>
    public const int FeedPollDelayMs = 1000;

    // Lease timing of every change-feed function, chosen rather than left at the extension's defaults (renew 17 s,
    // acquire 13 s, expire 60 s): an instance that dies without releasing its leases (a crash, kill -9, a lost VM)
    // pauses their part of the feed until they expire and another instance's next acquire takes them, at most
    // expiration + acquire: 40 s here, 73 s with the defaults. The price is lease traffic: per lease one renewal
    // every 10 s and per instance one lease scan every 10 s, 12 small requests a minute beside the 60 feed polls a
    // minute of FeedPollDelayMs. Expiring much sooner risks an instance that is only slow (a long GC, a throttled
    // renewal) losing its leases to another, which then processes the same changes again (harmless, but wasted).

    /// <summary>How often an owner renews each lease it holds, in ms.</summary>
    public const int LeaseRenewIntervalMs = 10_000;

    /// <summary>How often an instance looks for leases to take (expired, unowned or for balance), in ms.</summary>
    public const int LeaseAcquireIntervalMs = 10_000;

    /// <summary>How long a lease its owner stops renewing stays owned, in ms.</summary>
    public const int LeaseExpirationIntervalMs = 30_000;

    /// <summary>
    /// The trigger's processor name: its leases are the documents in the lease container whose ids start with it.
    /// Every change-feed function has a prefix of its own, so a second one never takes over this one's leases.
    /// Changing it starts a new processor, which (StartFromBeginning) projects the whole feed again: harmless, since
    /// applying is idempotent by version, but it costs a full read of the feed.
    /// </summary>
    public const string LeasePrefix = "ProjectInventory";

    /// <summary>
    /// Documents per invocation, set explicitly: target-based scaling divides the estimated backlog by it to pick
    /// the instance count, and the step does one read and at most one write per inventory per batch.
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
            FeedPollDelay = FeedPollDelayMs,
            LeaseRenewInterval = LeaseRenewIntervalMs,
            LeaseAcquireInterval = LeaseAcquireIntervalMs,
            LeaseExpirationInterval = LeaseExpirationIntervalMs)]
        IReadOnlyList<JsonElement> documents,
        CancellationToken cancellationToken) => views.InventoryAndCollected.ProjectAsync(EventCodec.ReadChanges(documents), cancellationToken);
}
