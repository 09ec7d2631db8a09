using InventoryFunctions.Projections;

namespace InventoryFunctions.Operations;

/// <summary>
/// Where a change-feed function's leases live: its processor name (the lease prefix) and the containers, and how long
/// a lease its owner stops renewing stays owned (<see cref="LeaseExpiration"/>) before another instance may take it.
/// </summary>
public sealed record ChangeFeedSubscription(
    string FunctionName, string ProcessorName, string DatabaseName, string ContainerName, string LeaseDatabaseName, string LeaseContainerName,
    TimeSpan LeaseExpiration);

/// <summary>
/// One lease (a range of the feed): the change feed estimator's count of changes it has not processed yet and, when
/// there are some, when the oldest of them was written (its <c>_ts</c>; null when caught up or not readable), its
/// owner and when its document was last written (<see cref="RenewedAt"/>: the owner renews it every few seconds and
/// checkpoints write it too; null when unknown, as in statuses stored before it was recorded).
/// </summary>
public sealed record LeaseLag(string LeaseToken, long EstimatedDocuments, string? Owner, DateTimeOffset? OldestUnprojectedAt = null, DateTimeOffset? RenewedAt = null);

/// <summary>
/// A change-feed function's backlog, per lease. No leases: its processor has never started. <see cref="LeaseExpiration"/>
/// is the function's lease expiration interval (null in statuses stored before it was recorded).
/// </summary>
public sealed record FeedLag(string FunctionName, string ProcessorName, IReadOnlyList<LeaseLag> Leases, TimeSpan? LeaseExpiration = null)
{
    public long EstimatedDocuments => Leases.Sum(l => l.EstimatedDocuments);

    /// <summary>When the oldest change no lease of the function has processed yet was written; null when none is known.</summary>
    public DateTimeOffset? OldestUnprojectedAt => Leases.Min(l => l.OldestUnprojectedAt);

    /// <summary>
    /// Leases still owned at <paramref name="at"/> whose owner has not written them for longer than the expiration
    /// interval: the owning instance stopped (a crash, a kill) without releasing them, and their part of the feed is
    /// not projected until another instance takes them over (at its next acquire, after they expired).
    /// </summary>
    public IReadOnlyList<LeaseLag> Unrenewed(DateTimeOffset at) => LeaseExpiration is { } expiration
        ? [.. Leases.Where(l => !string.IsNullOrEmpty(l.Owner) && l.RenewedAt is { } renewed && at - renewed > expiration)]
        : [];
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

/// <summary>
/// An inventory a projection has set aside (see Projections, "Park, don't stall") and why: the earliest of its parked
/// projections gives the version, reason and instant; <see cref="Projections"/> names every one parked.
/// </summary>
public sealed record ParkedInventory(string InventoryId, long Version, string Reason, DateTimeOffset ParkedAt, IReadOnlyList<string>? Projections = null)
{
    public const string InventoryView = "inventory-view";
    public const string DwellTime = "dwell-time";
    public const string GlobalMostCollected = "global-most-collected";
}

/// <summary>How many inventories are parked (in any projection), and the first few of them.</summary>
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
