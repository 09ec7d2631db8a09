using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>
/// A per-inventory read model that applies the inventory's events in version order and keeps the last version it
/// applied, so that the change feed's redeliveries change nothing. Its per-item state may span part documents
/// (<see cref="ViewParts{TPart}"/>): the projector loads the parts a batch's events need before applying them.
/// </summary>
public interface IVersionedView<TSelf> where TSelf : IVersionedView<TSelf>
{
    string InventoryId { get; }

    long Version { get; }

    /// <summary>A view with nothing applied, in a new generation of parts.</summary>
    static abstract TSelf Empty(string inventoryId);

    /// <summary>The buckets of the parts that applying <paramref name="recorded"/> reads or changes.</summary>
    static abstract IEnumerable<int> PartsFor(RecordedEvent recorded);

    /// <summary>Applies the event at <c>Version + 1</c>; events at or below <see cref="Version"/> change nothing.</summary>
    TSelf Apply(RecordedEvent recorded);

    /// <summary>Moves past an undecodable version.</summary>
    TSelf Skip(long version);

    /// <summary>Set when the projector parked this view (<see cref="PermanentFailure"/>): it applies nothing more until rebuilt.</summary>
    Parking? Parked { get; }

    /// <summary>Deliveries in a row in which projecting this inventory failed for good (stored, so every instance goes on counting).</summary>
    int FailedDeliveries { get; }

    /// <summary>The same view with another failure count and parking, nothing applied.</summary>
    TSelf WithFailures(int failedDeliveries, Parking? parked);

    /// <summary>
    /// False for a view read from an older stored shape: it answers reads, but the projector recomputes it from the log
    /// (in parts) instead of applying to it.
    /// </summary>
    bool Continuable { get; }

    bool IsLoaded(int bucket);

    /// <summary>The view with these parts known to have no document (a view started from scratch has none).</summary>
    TSelf WithEmptyParts(IEnumerable<int> buckets);

    /// <summary>Parts changed since the view was read or last written, and the items they hold.</summary>
    int ChangedParts { get; }

    long ChangedItems { get; }

    /// <summary>The view once written: nothing changed since.</summary>
    TSelf Saved();
}

/// <summary>A stored view and its etag; <see cref="View"/> is null when the document cannot be read (then it is rebuilt).</summary>
public sealed record Stored<TView>(TView? View, string ETag) where TView : class;

/// <summary>
/// Where views of one kind live, in their inventory's partition: a root document and the part documents of its
/// generation. Reading the root with the parts a batch needs is one request; a write is one transactional batch.
/// </summary>
public interface IViewStore<TView> where TView : class
{
    /// <summary>The root, with the parts of <paramref name="buckets"/> loaded (one point read without, one query with).</summary>
    Task<Stored<TView>?> ReadAsync(string inventoryId, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken);

    /// <summary>The view with the parts of <paramref name="buckets"/> loaded as stored (one query; none when all are loaded).</summary>
    Task<TView> LoadPartsAsync(TView view, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the root and its changed parts if the stored root is still <paramref name="etag"/> (null: none exists).
    /// Returns the root's new etag, or null when another writer got there first (nothing was written).
    /// </summary>
    Task<string?> TryWriteAsync(TView view, string? etag, CancellationToken cancellationToken);
}
