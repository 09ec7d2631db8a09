using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>One step of a replay: the event and the state right after it.</summary>
public sealed record ReplayStep(RecordedEvent Event, InventoryState State);

/// <summary>
/// A page of a replay: the state before its first event (<see cref="Start"/>), each event with the state after it,
/// the version to ask for next when the range asked for goes on (null otherwise), and whether the page reached the
/// end of the log (a range asked past the end is clipped there).
/// </summary>
public sealed record ReplayPage(InventoryState Start, IReadOnlyList<ReplayStep> Steps, long? NextFromVersion, bool ReachedEnd);

/// <summary>
/// Replays an inventory's log for a client that steps through a session: the state before <c>fromVersion</c> comes
/// from time travel (the nearest snapshot + at most <c>SnapshotInterval</c> − 1 events, never a fold from version 0),
/// then one page of at most <see cref="MaxPageSize"/> events is folded through the domain's <c>Evolve</c>.
/// </summary>
public sealed class InventoryReplay(IEventLogReader log)
{
    public const int MaxPageSize = 1000;

    /// <summary>
    /// Events <paramref name="fromVersion"/>..<paramref name="toVersion"/> (at most <see cref="MaxPageSize"/>), each with
    /// the state after it; <c>Page</c> is null when <c>Start</c> is not <see cref="HistoricState.Found"/> (no such
    /// inventory, or <paramref name="fromVersion"/> − 1 is past its end).
    /// </summary>
    public async Task<(HistoricState Start, ReplayPage? Page)> ReadAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromVersion, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toVersion, fromVersion);
        var start = await log.AtVersionAsync(inventoryId, fromVersion - 1, cancellationToken);
        if (start is not HistoricState.Found { State: var state })
            return (start, null);

        var count = (int)Math.Min(toVersion - fromVersion + 1, MaxPageSize);
        var events = await log.ReadEventsAsync(inventoryId, fromVersion, count, cancellationToken);
        var steps = new List<ReplayStep>(events.Events.Count);
        var running = state;
        foreach (var e in events.Events)
        {
            running = LogFold.Next(inventoryId, running, e);
            steps.Add(new ReplayStep(e, running));
        }

        var reachedEnd = events.NextFromVersion is null;
        long? next = !reachedEnd && running.Version < toVersion ? running.Version + 1 : null;
        return (start, new ReplayPage(state, steps, next, reachedEnd));
    }
}
