using System.Collections.Immutable;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Http;

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

/// <summary>One page of a dwell-time view: the view's root, the items of the page's parts, and the next page (null: the last).</summary>
public sealed record DwellPage(DwellTimeView View, IReadOnlyList<ItemDwell> Items, int? NextPage);

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
public sealed class FreshViews(IViewStore views, IInventoryStream stream, IEventLogReader log)
{
    /// <summary>How far behind a view may be for a read to catch it up from the log; beyond it: retry later.</summary>
    public const long MaxCatchUpEvents = 1000;

    public async Task<FreshRead<InventoryCounts>> CountsAsync(string inventoryId, long? minVersion, CancellationToken cancellationToken)
    {
        var stored = Projected(await views.ReadAsync<InventoryView>(inventoryId, [], cancellationToken));
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

    /// <summary>
    /// "Most collected" at <paramref name="minVersion"/> or later: the collected view's one point read, caught up from
    /// the log when behind (one query of the log, one of the parts its additions touch). An inventory whose collected
    /// view was never written is answered from the totals its inventory view carried before (<see cref="InventoryView.LegacyCollected"/>).
    /// </summary>
    public async Task<FreshRead<CollectedView>> CollectedAsync(string inventoryId, long? minVersion, CancellationToken cancellationToken)
    {
        var stored = await views.ReadAsync<CollectedView>(inventoryId, [], cancellationToken);
        if (stored?.View is { } counting && PermanentFailure.OnlyCountsFailures(counting.Version, counting.Parked))
            stored = null;
        if (stored is null && await Legacy(inventoryId, cancellationToken) is { } legacy)
            stored = new Stored<CollectedView>(legacy, "");
        if (stored?.View is { } view && view.Version >= (minVersion ?? 0))
            return new FreshRead<CollectedView>.Found(view, ReadSource.View);
        if (minVersion is not { } min)
            return stored is null ? new FreshRead<CollectedView>.NoInventory() : new FreshRead<CollectedView>.CorruptView();

        var caught = stored?.View is { Continuable: true } continuable ? continuable : CollectedView.Empty(inventoryId);
        if (min - caught.Version > MaxCatchUpEvents)
            return new FreshRead<CollectedView>.TooFarBehind(caught.Version);
        var documents = await log.ReadRangeAsync(inventoryId, caught.Version + 1, min, cancellationToken);
        var buckets = documents.Select(d => d.Result).OfType<DecodeResult.Decoded>().SelectMany(d => CollectedView.PartsFor(d.Event)).Distinct().ToList();
        caught = caught.Version == 0 ? caught.WithEmptyParts(buckets) : await views.LoadPartsAsync(caught, buckets, cancellationToken);
        foreach (var document in documents)
        {
            if (!Inventory.IsNext(caught.Version, document.Version))
                break; // a gap (a replica behind): answer what is certain, the client retries
            // Applied as the projector applies it: an undecodable event is skipped (and the projector reports it).
            caught = document.Result is DecodeResult.Decoded decoded ? caught.Apply(decoded.Event) : caught.Skip(document.Version);
        }
        if (caught.Version >= min)
            return new FreshRead<CollectedView>.Found(caught, ReadSource.ViewAndLog);
        return caught.Version == 0 ? new FreshRead<CollectedView>.NoInventory() : new FreshRead<CollectedView>.NotReached(caught.Version);
    }

    /// <summary>
    /// One page of an inventory's dwell times: the root's point read and one query of <see cref="DwellPartsPerPage"/>
    /// of its parts (the items of 64 of at most 1,024 parts: 16 pages at most, whatever the number of items).
    /// </summary>
    public async Task<FreshRead<DwellPage>> DwellPageAsync(string inventoryId, int page, CancellationToken cancellationToken)
    {
        var stored = await views.ReadAsync<DwellTimeView>(inventoryId, [], cancellationToken);
        if (stored is null || (stored.View is { } counting && PermanentFailure.OnlyCountsFailures(counting.Version, counting.Parked)))
            return new FreshRead<DwellPage>.NoInventory();
        if (stored.View is not { } view)
            return new FreshRead<DwellPage>.CorruptView();
        var buckets = view.Parts.Occupied.Skip(page * DwellPartsPerPage).Take(DwellPartsPerPage).ToList();
        try
        {
            view = await views.LoadPartsAsync(view, [.. buckets.Where(b => !view.IsLoaded(b))], cancellationToken);
        }
        catch (InvalidDataException)
        {
            return new FreshRead<DwellPage>.CorruptView();
        }
        var next = (page + 1) * DwellPartsPerPage < view.Parts.Occupied.Count ? page + 1 : (int?)null;
        return new FreshRead<DwellPage>.Found(new DwellPage(view, [.. buckets.SelectMany(b => view.Parts[b].Items.Values)], next), ReadSource.View);
    }

    public const int DwellPartsPerPage = 64;

    private async Task<CollectedView?> Legacy(string inventoryId, CancellationToken cancellationToken) =>
        Projected(await views.ReadAsync<InventoryView>(inventoryId, [], cancellationToken))?.View is { LegacyCollected: { } legacy } view
            ? new CollectedView(inventoryId, view.Version, legacy.Count,
                [.. legacy.Select((c, order) => new CollectedTotal(c.ItemId, c.Collected, order, c.Overcount)).OrderByDescending(t => t.Collected).ThenBy(t => t.FirstAdded)
                    .Take(CollectedView.MaxTop)],
                ViewParts.Fresh<CollectedBucket>())
            {
                Continuable = false,
                Parked = view.Parked,
            }
            : null;

    private static Stored<InventoryView>? Projected(Stored<InventoryView>? stored) =>
        stored?.View is { } view && PermanentFailure.OnlyCountsFailures(view.Version, view.Parked) ? null : stored;
}
