using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>
/// A per-inventory read model that applies the inventory's events in version order and keeps the last version it
/// applied, so that the change feed's redeliveries change nothing.
/// </summary>
public interface IVersionedView<TSelf> where TSelf : IVersionedView<TSelf>
{
    string InventoryId { get; }

    long Version { get; }

    static abstract TSelf Empty(string inventoryId);

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
}

/// <summary>A stored view and its etag; <see cref="View"/> is null when the document cannot be read (then it is rebuilt).</summary>
public sealed record Stored<TView>(TView? View, string ETag) where TView : class;

/// <summary>Where views of one kind live: one point read to get one, one conditional write to change it.</summary>
public interface IViewStore<TView> where TView : class
{
    Task<Stored<TView>?> ReadAsync(string inventoryId, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="view"/> if the stored one is still <paramref name="etag"/> (null: none exists); false when another writer got there first.</summary>
    Task<bool> TryWriteAsync(TView view, string? etag, CancellationToken cancellationToken);
}
