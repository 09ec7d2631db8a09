using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>
/// An inventory's stream as the command side sees it: the state folded up to <see cref="InventoryState.Version"/>
/// and the concurrency token of the head document it came from (<c>null</c> when there is no head document yet).
/// </summary>
/// <param name="LatestOccurredAt">
/// The latest <c>occurredAt</c> of any event so far. Instants can go back within a log (instances' clocks differ,
/// legacy local times were read as UTC), so snapshots record this rather than their own event's instant.
/// </param>
public sealed record StreamHead(InventoryState State, string? ETag, DateTimeOffset LatestOccurredAt = default)
{
    public static StreamHead New { get; } = new(InventoryState.Empty, null);
}

/// <summary>The outcome of an append. Anything but <see cref="Appended"/> wrote nothing.</summary>
public abstract record AppendResult
{
    private AppendResult()
    {
    }

    public sealed record Appended(StreamHead Head) : AppendResult;

    /// <summary>Another writer moved the head since it was loaded: reload it and decide again.</summary>
    public sealed record HeadChanged : AppendResult;

    /// <summary>The log already holds one of the versions (events written without the head): catch up from the log.</summary>
    public sealed record LogAhead : AppendResult;

    /// <summary>The idempotency key was used by an earlier request: answer with its record.</summary>
    public sealed record IdempotencyKeyUsed : AppendResult;

    /// <summary>The companion document could not be written: one to create exists, or one to replace changed.</summary>
    public sealed record CompanionConflict : AppendResult;
}

/// <summary>
/// The command side's port to an inventory's stream: load the head, catch up from the log, append atomically.
/// The log (one immutable document per event, id = version) is the only source of truth; the head is a cache of
/// the folded state, written atomically with the events it covers. Reading the log is <see cref="IEventLogReader"/>'s.
/// </summary>
public interface IInventoryStream
{
    /// <summary>The head as last seen by this instance, or read from the store when unknown or <paramref name="refresh"/> is set.</summary>
    ValueTask<StreamHead> LoadHeadAsync(string inventoryId, bool refresh, CancellationToken cancellationToken);

    /// <summary>Folds onto <paramref name="head"/> every event the log holds after it (a head that is missing or behind the log).</summary>
    Task<StreamHead> CatchUpAsync(string inventoryId, StreamHead head, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="events"/> (numbered from <c>head.State.Version + 1</c>) and the new head in one
    /// transaction, only if the head is still <paramref name="head"/> and the versions are free; with
    /// <paramref name="companion"/> written in the same transaction (a transfer record or receipt).
    /// </summary>
    Task<AppendResult> AppendAsync(string inventoryId, StreamHead head, IReadOnlyList<RecordedEvent> events, IdempotencyRecord? idempotency,
        CancellationToken cancellationToken, StreamCompanion? companion = null);

    Task<IdempotencyRecord?> FindIdempotencyRecordAsync(string inventoryId, string key, CancellationToken cancellationToken);
}
