using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>A page of an inventory's log in version order; <see cref="NextFromVersion"/> is null at the end.</summary>
public sealed record EventPage(IReadOnlyList<RecordedEvent> Events, long? NextFromVersion);

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

/// <summary>A page of the inventory list; <see cref="Continuation"/> (opaque) continues it, null at the end.</summary>
public sealed record InventoryIdPage(IReadOnlyList<string> InventoryIds, string? Continuation);

/// <summary>An event document of the log as stored: its numeric version and what the codec made of it.</summary>
public sealed record LoggedDocument(long Version, DecodeResult Result);

/// <summary>
/// Reads an inventory's log, the only source of truth: the audit log page by page, time travel (started from the
/// nearest snapshot, so it replays at most the snapshot interval − 1 events whatever the length of the history),
/// and the raw range the projector fills a gap or a rebuild from.
/// </summary>
public interface IEventLogReader
{
    /// <summary>Up to <paramref name="maxCount"/> events from <paramref name="fromVersion"/> on, in version order.</summary>
    Task<EventPage> ReadEventsAsync(string inventoryId, long fromVersion, int maxCount, CancellationToken cancellationToken);

    /// <summary>The state right after event <paramref name="version"/>: one point read (snapshot) + one bounded query.</summary>
    Task<HistoricState> AtVersionAsync(string inventoryId, long version, CancellationToken cancellationToken);

    /// <summary>The state as of <paramref name="instant"/>: after the last event whose occurredAt is at or before it.</summary>
    Task<HistoricState> AsOfAsync(string inventoryId, DateTimeOffset instant, CancellationToken cancellationToken);

    /// <summary>A range of the log as stored, undecodable documents included, so a gap can be filled.</summary>
    Task<IReadOnlyList<LoggedDocument>> ReadRangeAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the inventories that have a log (each has exactly one event at version 1): at most
    /// <paramref name="pageSize"/> ids from <paramref name="continuation"/> (null: the start). A page may hold fewer,
    /// even none, before the end; only a null continuation ends the list.
    /// </summary>
    Task<InventoryIdPage> ListInventoryIdsPageAsync(string? continuation, int pageSize, CancellationToken cancellationToken);
}
