namespace InventoryFunctions.Projections;

/// <summary>Where a change-feed function's leases live: its processor name (the lease prefix) and the containers.</summary>
public sealed record ChangeFeedSubscription(
    string FunctionName, string ProcessorName, string DatabaseName, string ContainerName, string LeaseDatabaseName, string LeaseContainerName);
