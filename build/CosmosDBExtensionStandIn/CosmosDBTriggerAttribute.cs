// STAND-IN, compiled only when the build sets UseCosmosDBExtensionStandIn=true (the package feed lacks
// Microsoft.Azure.Functions.Worker.Extensions.CosmosDB). Same public shape as the official 4.16.1 attribute
// (namespace, sealed, constructor, properties) so the Worker SDK writes the same `cosmosDBTrigger` binding
// into functions.metadata. It declares no [assembly: ExtensionInformation]: naming a package the feed lacks
// would fail the SDK's extension restore, and nothing here runs on a Functions host.
// Deploy builds always use the official package (see README, "The Cosmos DB trigger package").

using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker
{
    [BindingCapabilities("FunctionLevelRetry")]
    public sealed class CosmosDBTriggerAttribute : TriggerBindingAttribute
    {
        public CosmosDBTriggerAttribute(string databaseName, string containerName)
        {
            if (string.IsNullOrWhiteSpace(containerName))
                throw new ArgumentException("Missing information for the container to monitor", nameof(containerName));
            if (string.IsNullOrWhiteSpace(databaseName))
                throw new ArgumentException("Missing information for the container to monitor", nameof(databaseName));
            ContainerName = containerName;
            DatabaseName = databaseName;
        }

        public string ContainerName { get; private set; }

        public string DatabaseName { get; private set; }

        public string? Connection { get; set; }

        public string? LeaseContainerName { get; set; }

        public string? LeaseDatabaseName { get; set; }

        public string? LeaseConnection { get; set; }

        public bool CreateLeaseContainerIfNotExists { get; set; }

        public int LeasesContainerThroughput { get; set; }

        public string? LeaseContainerPrefix { get; set; }

        public int FeedPollDelay { get; set; }

        public int LeaseRenewInterval { get; set; }

        public int LeaseAcquireInterval { get; set; }

        public int LeaseExpirationInterval { get; set; }

        public int MaxItemsPerInvocation { get; set; }

        public bool StartFromBeginning { get; set; }

        public string? StartFromTime { get; set; }

        public string? PreferredLocations { get; set; }

        public CosmosDBChangeFeedMode ChangeFeedMode { get; set; } = CosmosDBChangeFeedMode.LatestVersion;
    }

    public enum CosmosDBChangeFeedMode
    {
        LatestVersion = 0,
        AllVersionsAndDeletes = 1,
    }
}
