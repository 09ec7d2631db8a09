namespace InventoryFunctions.Projections;

/// <summary>Where a change-feed function's leases live: its processor name (the lease prefix) and the containers.</summary>
public sealed record ChangeFeedSubscription(
    string FunctionName, string ProcessorName, string DatabaseName, string ContainerName, string LeaseDatabaseName, string LeaseContainerName);

/// <summary>One lease (a range of the feed) and the change feed estimator's count of changes it has not processed yet.</summary>
public sealed record LeaseLag(string LeaseToken, long EstimatedDocuments, string? Owner);

/// <summary>A change-feed function's backlog, per lease. No leases: its processor has never started.</summary>
public sealed record FeedLag(string FunctionName, string ProcessorName, IReadOnlyList<LeaseLag> Leases)
{
    public long EstimatedDocuments => Leases.Sum(l => l.EstimatedDocuments);
}

/// <summary>The change feed estimator of every change-feed function of the app.</summary>
public interface IChangeFeedMonitor
{
    /// <summary>One lease query plus one change-feed read per lease, per function.</summary>
    Task<IReadOnlyList<FeedLag>> EstimateAsync(CancellationToken cancellationToken);
}

/// <summary>An inventory the projector has set aside (see issue 12) and why.</summary>
public sealed record ParkedInventory(string InventoryId, long Version, string Reason, DateTimeOffset ParkedAt);

/// <summary>Inventories the projector has parked.</summary>
public interface IParkedInventories
{
    Task<IReadOnlyList<ParkedInventory>> ListAsync(int max, CancellationToken cancellationToken);
}

/// <summary>
/// SEAM for issue 12 ("parked" inventories, view fields <c>parkedAt</c>/reason): until the projector parks anything
/// there is nothing to list. TODO(issue 12): replace with a query of the projections container for parked views.
/// </summary>
public sealed class NoParkedInventories : IParkedInventories
{
    public Task<IReadOnlyList<ParkedInventory>> ListAsync(int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ParkedInventory>>([]);
}
