using System.Collections.Immutable;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>Which store answered a read: the view, the write side's head, or the view caught up from the log.</summary>
public enum ReadSource
{
    View,
    Head,
    ViewAndLog,
}

/// <summary>The counts an inventory holds at <see cref="Version"/>, wherever they were read from.</summary>
/// <param name="Parked">Set when the answer is a parked view's (the head is never parked).</param>
public sealed record InventoryCounts(long Version, ImmutableSortedDictionary<string, int> Items, DateTimeOffset UpdatedAt, Parking? Parked = null);

/// <summary>What a read that may ask for a minimum version found. A closed family.</summary>
public abstract record FreshRead<T>
{
    private FreshRead()
    {
    }

    public sealed record Found(T Value, ReadSource Source) : FreshRead<T>;

    /// <summary>Nothing is known of the inventory: no view, and (when asked for a version) no events.</summary>
    public sealed record NoInventory : FreshRead<T>;

    /// <summary>The stored view cannot be read (and no minimum version sent the read elsewhere).</summary>
    public sealed record CorruptView : FreshRead<T>;

    /// <summary>The inventory has not reached the version asked for.</summary>
    public sealed record NotReached(long CurrentVersion) : FreshRead<T>;

    /// <summary>The view is too far behind to be caught up from the log within one bounded read; retry shortly.</summary>
    public sealed record TooFarBehind(long ViewVersion) : FreshRead<T>;
}

/// <summary>
/// Read-your-writes on top of the eventually consistent views. Without a minimum version a read is the view's one
/// point read. With <c>minVersion</c> N (the version a client's write answered with) the view answers when it has
/// reached N; otherwise the counts come from the write side's head (one more point read, none when this instance
/// has it cached at N or later), and "most collected", which the head does not carry, from the view plus the log's
/// events up to N (one single-partition query, at most <see cref="MaxCatchUpEvents"/> events).
/// </summary>
public sealed class FreshViews(IProjectionStore views, IInventoryStream stream, IEventLogReader log, TimeProvider time)
{
    /// <summary>How far behind a view may be for a read to catch it up from the log; beyond it: retry later.</summary>
    public const long MaxCatchUpEvents = 1000;

    public async Task<FreshRead<InventoryCounts>> CountsAsync(string inventoryId, long? minVersion, CancellationToken cancellationToken)
    {
        var stored = Projected(await views.ReadAsync(inventoryId, cancellationToken));
        if (stored?.View is { } view && view.Version >= (minVersion ?? 0))
            return new FreshRead<InventoryCounts>.Found(new InventoryCounts(view.Version, view.Items, view.UpdatedAt, view.Parked), ReadSource.View);
        if (minVersion is not { } min)
            return stored is null ? new FreshRead<InventoryCounts>.NoInventory() : new FreshRead<InventoryCounts>.CorruptView();

        // A head cached at or past N is as good as a fresh one: the state at a version never changes.
        var head = await stream.LoadHeadAsync(inventoryId, refresh: false, cancellationToken);
        if (head.State.Version < min)
            head = await stream.LoadHeadAsync(inventoryId, refresh: true, cancellationToken);
        if (head.State.Version >= min)
            return new FreshRead<InventoryCounts>.Found(new InventoryCounts(head.State.Version, head.State.Items, head.LatestOccurredAt), ReadSource.Head);
        return head.State.Version == 0 && stored is null
            ? new FreshRead<InventoryCounts>.NoInventory()
            : new FreshRead<InventoryCounts>.NotReached(Math.Max(head.State.Version, stored?.View?.Version ?? 0));
    }

    public async Task<FreshRead<InventoryView>> ViewAsync(string inventoryId, long? minVersion, CancellationToken cancellationToken)
    {
        var stored = Projected(await views.ReadAsync(inventoryId, cancellationToken));
        if (stored?.View is { } view && view.Version >= (minVersion ?? 0))
            return new FreshRead<InventoryView>.Found(view, ReadSource.View);
        if (minVersion is not { } min)
            return stored is null ? new FreshRead<InventoryView>.NoInventory() : new FreshRead<InventoryView>.CorruptView();

        var caught = stored?.View ?? InventoryView.Empty(inventoryId);
        if (min - caught.Version > MaxCatchUpEvents)
            return new FreshRead<InventoryView>.TooFarBehind(caught.Version);
        foreach (var document in await log.ReadRangeAsync(inventoryId, caught.Version + 1, min, cancellationToken))
        {
            if (!Inventory.IsNext(caught.Version, document.Version))
                break; // a gap (a replica behind): answer what is certain, the client retries
            // Applied as the projector applies it: an undecodable event is skipped (and the projector reports it).
            caught = document.Result is DecodeResult.Decoded decoded ? caught.Apply(decoded.Event) : caught.Skip(document.Version, time.GetUtcNow());
        }
        if (caught.Version >= min)
            return new FreshRead<InventoryView>.Found(caught, ReadSource.ViewAndLog);
        return caught.Version == 0 ? new FreshRead<InventoryView>.NoInventory() : new FreshRead<InventoryView>.NotReached(caught.Version);
    }

    private static StoredView? Projected(StoredView? stored) =>
        stored?.View is { } view && PermanentFailure.OnlyCountsFailures(view.Version, view.Parked) ? null : stored;
}
