using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>
/// What the one projection step (<see cref="VersionedViewProjector"/>) reads of any per-inventory view: the last version
/// it applied (which makes applying idempotent: the change feed's redeliveries change nothing) and its failure record.
/// A view without part documents needs nothing more; one whose per-item state spans parts
/// (<see cref="ViewParts{TPart}"/>) also says which parts are loaded and changed.
/// </summary>
public interface IVersionedView
{
    string InventoryId { get; }

    long Version { get; }

    /// <summary>Set when the step parked this view (<see cref="PermanentFailure"/>): it applies nothing more until rebuilt.</summary>
    Parking? Parked { get; }

    /// <summary>Deliveries in a row in which projecting this inventory failed for good (stored, so every instance goes on counting).</summary>
    int FailedDeliveries { get; }

    /// <summary>
    /// False for a view read from an older stored shape: it answers reads, but the step recomputes it from the log
    /// (in parts) instead of applying to it.
    /// </summary>
    bool Continuable => true;

    bool IsLoaded(int bucket) => true;

    /// <summary>Parts changed since the view was read or last written, and the items they hold.</summary>
    int ChangedParts => 0;

    long ChangedItems => 0;
}

/// <summary>
/// A per-inventory read model as the one projection step drives it: its <see cref="Empty"/>, <see cref="Apply"/> and
/// <see cref="Skip"/> (and a codec at the store's edge); reading, sequencing, writing, counting failures and parking
/// are the step's. Views with parts also name the parts an event touches and start or save their parts.
/// </summary>
public interface IVersionedView<TSelf> : IVersionedView where TSelf : class, IVersionedView<TSelf>
{
    /// <summary>A view with nothing applied (in a new generation of parts).</summary>
    static abstract TSelf Empty(string inventoryId);

    /// <summary>The buckets of the parts that applying <paramref name="recorded"/> reads or changes.</summary>
    static virtual IEnumerable<int> PartsFor(RecordedEvent recorded) => [];

    /// <summary>Applies the event at <c>Version + 1</c>; events at or below <see cref="IVersionedView.Version"/> change nothing.</summary>
    TSelf Apply(RecordedEvent recorded);

    /// <summary>Moves past an undecodable version, found at <paramref name="detectedAt"/>.</summary>
    TSelf Skip(long version, DateTimeOffset detectedAt);

    /// <summary>The same view with another failure count and parking, nothing applied.</summary>
    TSelf WithFailures(int failedDeliveries, Parking? parked);

    /// <summary>The view with these parts known to have no document (a view started from scratch has none).</summary>
    TSelf WithEmptyParts(IEnumerable<int> buckets) => (TSelf)this;

    /// <summary>The view once written: nothing changed since.</summary>
    TSelf Saved() => (TSelf)this;
}

/// <summary>A stored view and its etag; <see cref="View"/> is null when the document cannot be read (then it is rebuilt).</summary>
public sealed record Stored<TView>(TView? View, string ETag) where TView : class;

/// <summary>Which view of an inventory to read, with the parts of <paramref name="Buckets"/> loaded.</summary>
public sealed record ViewRead(Type View, IReadOnlyCollection<int> Buckets);

/// <summary>A view to write and the etag of its root as read (null: it has no root yet).</summary>
public sealed record ViewWrite(IVersionedView View, string? ETag);

/// <summary>
/// Where the per-inventory views live, all in their inventory's partition: per view a root document and the part
/// documents of its generation. Reading several roots with the parts a batch needs is one request (one point read for
/// a single root without parts, else one single-partition query); writing several is one transactional batch.
/// </summary>
public interface IViewStore
{
    /// <summary>The roots asked for, in order (null where none is stored), each with its parts loaded.</summary>
    Task<IReadOnlyList<Stored<IVersionedView>?>> ReadAsync(string inventoryId, IReadOnlyList<ViewRead> views, CancellationToken cancellationToken);

    /// <summary>The views with the parts of their buckets loaded as stored: one query (none when nothing is to load).</summary>
    Task<IReadOnlyList<IVersionedView>> LoadPartsAsync(IReadOnlyList<(IVersionedView View, IReadOnlyCollection<int> Buckets)> views, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the roots and their changed parts in one transactional batch if every stored root is still its etag
    /// (null: none exists). Returns the roots' new etags in order, or null when another writer got there first
    /// (nothing was written). A view the store refuses for good throws <see cref="ViewRejectedException"/>.
    /// </summary>
    Task<IReadOnlyList<string>?> TryWriteAsync(string inventoryId, IReadOnlyList<ViewWrite> views, CancellationToken cancellationToken);
}

/// <summary>Reads and writes of one view at a time, for the GET paths and tests.</summary>
public static class ViewStoreExtensions
{
    public static async Task<Stored<TView>?> ReadAsync<TView>(this IViewStore store, string inventoryId, IReadOnlyCollection<int> buckets,
        CancellationToken cancellationToken) where TView : class, IVersionedView<TView> =>
        (await store.ReadAsync(inventoryId, [new ViewRead(typeof(TView), buckets)], cancellationToken))[0] is { } stored
            ? new Stored<TView>((TView?)stored.View, stored.ETag)
            : null;

    public static async Task<TView> LoadPartsAsync<TView>(this IViewStore store, TView view, IReadOnlyCollection<int> buckets,
        CancellationToken cancellationToken) where TView : class, IVersionedView<TView> =>
        buckets.Count == 0 ? view : (TView)(await store.LoadPartsAsync([(view, buckets)], cancellationToken))[0];
}
