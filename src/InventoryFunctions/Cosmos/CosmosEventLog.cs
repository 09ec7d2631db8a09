using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Reads the log in the events container: the audit log (a bounded range query per page), time travel (one snapshot
/// point read + one bounded query), the raw ranges the projector fills gaps from, and the list of inventories.
/// </summary>
public sealed class CosmosEventLog(CosmosClient client, IOptions<CosmosOptions> options, IOptions<SnapshotOptions> snapshots) : IEventLogReader
{
    private readonly Container _events = client.GetContainer(options.Value.DatabaseName, options.Value.EventsContainerName);

    public async Task<EventPage> ReadEventsAsync(string inventoryId, long fromVersion, int maxCount, CancellationToken cancellationToken)
    {
        // Versions are contiguous, so a version range bounds the page without TOP; one more tells if there is a next page.
        var events = new List<RecordedEvent>(Math.Min(maxCount + 1, 1024));
        await foreach (var e in _events.ReadEventsAsync(inventoryId, EventQueries.EventsBetween(fromVersion, fromVersion + maxCount), cancellationToken, pageSize: maxCount + 1))
        {
            // The audit log must not hide a hole: versions are contiguous by construction.
            var expected = fromVersion + events.Count;
            if (!Inventory.IsNext(expected - 1, e.Version))
                throw new CorruptEventException(inventoryId, EventCodec.DocumentId(expected),
                    $"version {expected} is missing from the log while version {e.Version} exists");
            events.Add(e);
        }

        if (events.Count <= maxCount)
            return new EventPage(events, null);
        return new EventPage(events[..maxCount], events[maxCount].Version);
    }

    public async Task<HistoricState> AtVersionAsync(string inventoryId, long version, CancellationToken cancellationToken)
    {
        var start = version == 0 ? InventoryState.Empty : await SnapshotAtOrBelowAsync(inventoryId, version, cancellationToken);
        // Events after the snapshot up to the target (and one past version 0, to tell an empty inventory from none).
        var state = start;
        await foreach (var e in _events.ReadEventsAsync(inventoryId, EventQueries.EventsBetween(start.Version + 1, Math.Max(version, 1)), cancellationToken))
        {
            if (e.Version > version)
                return new HistoricState.Found(state); // version 0 of an inventory that exists
            state = LogFold.Next(inventoryId, state, e);
        }

        if (state.Version == version && version > 0)
            return new HistoricState.Found(state);
        return state.Version == 0 ? new HistoricState.NoSuchInventory() : new HistoricState.BeyondCurrent(state.Version);
    }

    public async Task<HistoricState> AsOfAsync(string inventoryId, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        // The latest snapshot taken at or before the instant, then events until one is later than the instant.
        var state = await _events.FirstSnapshotAsync(inventoryId, EventQueries.SnapshotsAsOf(instant), cancellationToken) ?? InventoryState.Empty;
        var anyEvent = state.Version > 0;
        await foreach (var e in _events.ReadEventsAsync(inventoryId, EventQueries.EventsAfter(state.Version), cancellationToken, pageSize: snapshots.Value.Interval))
        {
            anyEvent = true;
            if (e.OccurredAt > instant)
                break;
            state = LogFold.Next(inventoryId, state, e);
        }
        return anyEvent ? new HistoricState.Found(state) : new HistoricState.NoSuchInventory();
    }

    public async Task<IReadOnlyList<LoggedDocument>> ReadRangeAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken)
    {
        var documents = new List<LoggedDocument>();
        await foreach (var document in _events.ReadLogAsync(inventoryId, EventQueries.EventsBetween(fromVersion, toVersion), cancellationToken))
            documents.Add(document);
        return documents;
    }

    public async Task<InventoryIdPage> ListInventoryIdsPageAsync(string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        // Cross-partition, but served by the index on version: one document per inventory. The continuation is the
        // SDK's token, stateless, so a page can be read by another instance after a restart.
        using var iterator = _events.GetItemQueryIterator<string>(EventQueries.FirstVersions(), continuation, new QueryRequestOptions { MaxItemCount = pageSize });
        if (!iterator.HasMoreResults)
            return new InventoryIdPage([], null);
        var page = await iterator.ReadNextAsync(cancellationToken);
        return new InventoryIdPage([.. page], iterator.HasMoreResults ? page.ContinuationToken : null);
    }

    /// <summary>
    /// The snapshot at the last multiple of the interval at or below <paramref name="version"/> (one point read);
    /// if that one is missing (the interval changed, or it was lost) the latest one below by query; else empty.
    /// </summary>
    private async Task<InventoryState> SnapshotAtOrBelowAsync(string inventoryId, long version, CancellationToken cancellationToken)
    {
        var expected = version / snapshots.Value.Interval * snapshots.Value.Interval;
        if (expected == 0)
            return InventoryState.Empty;

        var snapshot = await _events.ReadDocumentAsync(SnapshotDocument.IdFor(expected), new PartitionKey(inventoryId), SnapshotDocument.TryDecode, cancellationToken);
        if (snapshot?.Value is { } state && state.Version == expected)
            return state;
        return await _events.FirstSnapshotAsync(inventoryId, EventQueries.SnapshotsAtOrBelow(version), cancellationToken) ?? InventoryState.Empty;
    }
}
