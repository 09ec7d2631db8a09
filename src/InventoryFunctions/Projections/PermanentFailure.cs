using InventoryFunctions.Application;

namespace InventoryFunctions.Projections;

/// <summary>
/// The one rule every per-inventory projector follows when projecting an inventory fails: a failure another delivery
/// would not cure (a hole in the log, a view the store refuses) is counted on the stored view, and at
/// <see cref="MaxDeliveries"/> deliveries in a row the view is parked instead of stalling the other inventories of the
/// batch for ever. Anything else (timeouts, throttling, 5xx) is transient: the batch is simply retried.
/// </summary>
public static class PermanentFailure
{
    /// <summary>Deliveries of a batch in a row in which one inventory failed for good before its view is parked.</summary>
    public const int MaxDeliveries = 3;

    public static bool Is(Exception ex) => ex is CorruptEventException or ViewRejectedException;

    /// <summary>The failure record once one more delivery failed for good: counted, or at the limit parked (and the count over).</summary>
    public static (int FailedDeliveries, Parking? Parked) Counted(int failedDeliveries, string reason, DateTimeOffset now) =>
        failedDeliveries + 1 < MaxDeliveries ? (failedDeliveries + 1, null) : (0, new Parking(now, reason));

    /// <summary>
    /// A stored view at version 0 that is not parked has no event applied: it only carries the count of failed
    /// deliveries. Reads treat it as no view yet.
    /// </summary>
    public static bool OnlyCountsFailures(long version, Parking? parked) => version == 0 && parked is null;
}
