using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// The SDK's change feed estimator for each change-feed function, under the processor name its trigger really uses
/// (the lease prefix, empty when unset): one query of its leases, one change-feed read per lease (the SDK compares
/// the lease's continuation with the feed's latest LSN). Then the lease documents (one query per function) give each
/// lease's last write (<c>_ts</c>: a lease its owner stopped renewing shows) and, for each lease behind, the age of its
/// oldest unprocessed change: the document's continuation and feed range, from which one change is read (a
/// change-feed read from "now" gives the SDK's token for the range, whose state is then set to the lease's
/// continuation, then the read itself). Meant for the status timer, not for every probe.
/// </summary>
public sealed class CosmosChangeFeedMonitor(CosmosClient client, Func<IReadOnlyList<ChangeFeedSubscription>> subscriptions) : IChangeFeedMonitor
{
    private readonly Lazy<IReadOnlyList<ChangeFeedSubscription>> _subscriptions = new(subscriptions);

    public async Task<IReadOnlyList<FeedLag>> EstimateAsync(CancellationToken cancellationToken)
    {
        var feeds = new List<FeedLag>(_subscriptions.Value.Count);
        foreach (var subscription in _subscriptions.Value)
        {
            var monitored = client.GetContainer(subscription.DatabaseName, subscription.ContainerName);
            var leaseContainer = client.GetContainer(subscription.LeaseDatabaseName, subscription.LeaseContainerName);
            var estimator = monitored.GetChangeFeedEstimator(subscription.ProcessorName, leaseContainer);
            var leases = new List<LeaseLag>();
            using var iterator = estimator.GetCurrentStateIterator();
            while (iterator.HasMoreResults)
            {
                foreach (var state in await iterator.ReadNextAsync(cancellationToken))
                    leases.Add(new LeaseLag(state.LeaseToken, state.EstimatedLag, state.InstanceName));
            }
            if (leases.Count > 0)
                leases = await WithLeaseDocumentsAsync(subscription, monitored, leaseContainer, leases, cancellationToken);
            feeds.Add(new FeedLag(subscription.FunctionName, subscription.ProcessorName, leases, subscription.LeaseExpiration));
        }
        return feeds;
    }

    /// <summary>Each lease with when its document was last written and, when it is behind, when its oldest unprocessed change was.</summary>
    private async Task<List<LeaseLag>> WithLeaseDocumentsAsync(
        ChangeFeedSubscription subscription, Container monitored, Container leaseContainer, List<LeaseLag> leases, CancellationToken cancellationToken)
    {
        var documents = await LeaseDocumentsAsync(subscription, monitored, leaseContainer, cancellationToken);
        var result = new List<LeaseLag>(leases.Count);
        foreach (var lease in leases)
        {
            if (!documents.TryGetValue(lease.LeaseToken, out var document))
            {
                result.Add(lease);
                continue;
            }
            var oldest = lease.EstimatedDocuments > 0 ? await NextChangeWrittenAtAsync(monitored, document, cancellationToken) : null;
            result.Add(lease with { OldestUnprojectedAt = oldest, RenewedAt = WrittenAt(document) });
        }
        return result;
    }

    private static DateTimeOffset? WrittenAt(JsonElement document) =>
        document.TryGetProperty("_ts", out var ts) && ts.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    /// <summary>
    /// The processor's lease documents by lease token. The change feed processor names them
    /// <c>{processor}{account host}_{database rid}_{container rid}..{lease token}</c> (the prefix alone would also match
    /// a longer prefix's leases, e.g. every function's when the processor name is empty).
    /// </summary>
    private async Task<Dictionary<string, JsonElement>> LeaseDocumentsAsync(
        ChangeFeedSubscription subscription, Container monitored, Container leaseContainer, CancellationToken cancellationToken)
    {
        // SelfLink is "dbs/{database rid}/colls/{container rid}/".
        var selfLink = (await monitored.ReadContainerAsync(cancellationToken: cancellationToken)).Resource.SelfLink.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var prefix = $"{subscription.ProcessorName}{client.Endpoint.Host}_{selfLink[1]}_{selfLink[3]}..";
        var query = new QueryDefinition("SELECT * FROM c WHERE STARTSWITH(c.id, @prefix)").WithParameter("@prefix", prefix);
        var leases = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        await foreach (var lease in leaseContainer.QueryDocumentsAsync(query, cancellationToken))
        {
            if (lease.TryGetProperty("LeaseToken", out var token) && token.GetString() is { } leaseToken)
                leases[leaseToken] = lease;
        }
        return leases;
    }

    /// <summary>The <c>_ts</c> of the first change after the lease's continuation; null when there is none (caught up meanwhile) or it cannot be read.</summary>
    private static async Task<DateTimeOffset?> NextChangeWrittenAtAsync(Container monitored, JsonElement lease, CancellationToken cancellationToken)
    {
        if (!lease.TryGetProperty("FeedRange", out var range) || !lease.TryGetProperty("ContinuationToken", out var continuation) || continuation.ValueKind != JsonValueKind.String)
            return null; // a lease that has never checkpointed reads from its start position, which the estimator already measures
        var feedRange = FeedRange.FromJsonString(range.GetRawText());
        var options = new ChangeFeedRequestOptions { PageSizeHint = 1 };
        string template;
        using (var now = monitored.GetChangeFeedStreamIterator(ChangeFeedStartFrom.Now(feedRange), ChangeFeedMode.LatestVersion, options))
        using (var page = await now.ReadNextAsync(cancellationToken))
            template = page.ContinuationToken;
        if (template is null || JsonNode.Parse(template) is not JsonObject token || token["Continuation"] is not JsonArray ranges)
            return null;
        foreach (var entry in ranges.OfType<JsonObject>())
            entry["State"] = new JsonObject { ["type"] = "continuation", ["value"] = continuation.GetString() };
        using var next = monitored.GetChangeFeedStreamIterator(ChangeFeedStartFrom.ContinuationToken(token.ToJsonString()), ChangeFeedMode.LatestVersion, options);
        using var changes = await next.ReadNextAsync(cancellationToken);
        if (changes.StatusCode != HttpStatusCode.OK)
            return null;
        using var body = await JsonDocument.ParseAsync(changes.Content, cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("Documents").EnumerateArray().Select(WrittenAt).FirstOrDefault();
    }
}
