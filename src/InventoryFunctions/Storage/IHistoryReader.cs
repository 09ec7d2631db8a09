using InventoryFunctions.Domain;

namespace InventoryFunctions.Storage;

/// <summary>What the log says an inventory held at some point. A closed family.</summary>
public abstract record HistoricState
{
    private HistoricState()
    {
    }

    /// <summary>The state right after event <c>State.Version</c> (version 0: before the first event).</summary>
    public sealed record Found(InventoryState State) : HistoricState;

    /// <summary>The inventory has no events at all.</summary>
    public sealed record NoSuchInventory : HistoricState;

    /// <summary>The version asked for is past the end of the log.</summary>
    public sealed record BeyondCurrent(long CurrentVersion) : HistoricState;
}

/// <summary>
/// Time travel over the log, started from the nearest snapshot so that it replays at most
/// <see cref="SnapshotOptions.Interval"/> − 1 events whatever the length of the history.
/// </summary>
public interface IHistoryReader
{
    /// <summary>The state right after event <paramref name="version"/>: one point read (snapshot) + one bounded query.</summary>
    Task<HistoricState> AtVersionAsync(string inventoryId, long version, CancellationToken cancellationToken);

    /// <summary>The state as of <paramref name="instant"/>: after the last event whose occurredAt is at or before it.</summary>
    Task<HistoricState> AsOfAsync(string inventoryId, DateTimeOffset instant, CancellationToken cancellationToken);
}
