using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// The SDK's change feed estimator for each change-feed function, under the processor name its trigger really uses
/// (the lease prefix, empty when unset). Per function: one query of its leases, one change-feed read per lease (the
/// SDK compares the lease's continuation with the feed's latest LSN); the container metadata it also needs is cached
/// by the client after the first call.
/// </summary>
public sealed class CosmosChangeFeedMonitor(CosmosClient client, Func<IReadOnlyList<ChangeFeedSubscription>> subscriptions) : IChangeFeedMonitor
{
    private readonly Lazy<IReadOnlyList<ChangeFeedSubscription>> _subscriptions = new(subscriptions);

    public async Task<IReadOnlyList<FeedLag>> EstimateAsync(CancellationToken cancellationToken)
    {
        var feeds = new List<FeedLag>(_subscriptions.Value.Count);
        foreach (var subscription in _subscriptions.Value)
        {
            var estimator = client.GetContainer(subscription.DatabaseName, subscription.ContainerName)
                .GetChangeFeedEstimator(subscription.ProcessorName, client.GetContainer(subscription.LeaseDatabaseName, subscription.LeaseContainerName));
            var leases = new List<LeaseLag>();
            using var iterator = estimator.GetCurrentStateIterator();
            while (iterator.HasMoreResults)
            {
                foreach (var state in await iterator.ReadNextAsync(cancellationToken))
                    leases.Add(new LeaseLag(state.LeaseToken, state.EstimatedLag, state.InstanceName));
            }
            feeds.Add(new FeedLag(subscription.FunctionName, subscription.ProcessorName, leases));
        }
        return feeds;
    }
}
