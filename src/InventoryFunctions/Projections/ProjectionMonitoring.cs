namespace InventoryFunctions.Projections;

/// <summary>Where a change-feed function's leases live: its processor name (the lease prefix) and the containers.</summary>
public sealed record ChangeFeedSubscription(
    string FunctionName, string ProcessorName, string DatabaseName, string ContainerName, string LeaseDatabaseName, string LeaseContainerName);

/// <summary>
/// One lease (a range of the feed): the change feed estimator's count of changes it has not processed yet and, when
/// there are some, when the oldest of them was written (its <c>_ts</c>; null when caught up or not readable).
/// </summary>
public sealed record LeaseLag(string LeaseToken, long EstimatedDocuments, string? Owner, DateTimeOffset? OldestUnprojectedAt = null);

/// <summary>A change-feed function's backlog, per lease. No leases: its processor has never started.</summary>
public sealed record FeedLag(string FunctionName, string ProcessorName, IReadOnlyList<LeaseLag> Leases)
{
    public long EstimatedDocuments => Leases.Sum(l => l.EstimatedDocuments);

    /// <summary>When the oldest change no lease of the function has processed yet was written; null when none is known.</summary>
    public DateTimeOffset? OldestUnprojectedAt => Leases.Min(l => l.OldestUnprojectedAt);
}

/// <summary>The change feed estimator of every change-feed function of the app.</summary>
public interface IChangeFeedMonitor
{
    /// <summary>
    /// Per function: the estimator (one lease query plus one change-feed read per lease) and, for each lease behind,
    /// the write time of its next unprocessed change (the lease document, then one change read from its continuation).
    /// </summary>
    Task<IReadOnlyList<FeedLag>> EstimateAsync(CancellationToken cancellationToken);
}

/// <summary>An inventory the projector has set aside (see issue 12) and why.</summary>
public sealed record ParkedInventory(string InventoryId, long Version, string Reason, DateTimeOffset ParkedAt, string Projection = ParkedInventory.InventoryView)
{
    public const string InventoryView = "inventory-view";
    public const string DwellTime = "dwell-time";
    public const string GlobalMostCollected = "global-most-collected";
}

/// <summary>How many inventories are parked, and the first few of them.</summary>
public sealed record ParkedSummary(int Count, IReadOnlyList<ParkedInventory> First)
{
    public static ParkedSummary None { get; } = new(0, []);
}

/// <summary>Inventories the projector has parked (their views say so).</summary>
public interface IParkedInventories
{
    /// <summary>Counts every parked inventory and lists the first <paramref name="listed"/>.</summary>
    Task<ParkedSummary> SummarizeAsync(int listed, CancellationToken cancellationToken);
}

/// <summary>
/// The latest projection status, computed by the status timer and kept where every instance's health check reads it
/// with one cheap request.
/// </summary>
public interface IProjectionStatusStore
{
    Task WriteAsync(ProjectionStatus status, CancellationToken cancellationToken);

    /// <summary>The latest status written; null when none has been yet.</summary>
    Task<ProjectionStatus?> ReadAsync(CancellationToken cancellationToken);
}
