using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Storage;

public sealed partial class CosmosEventStore
{
    public async Task<HistoricState> AtVersionAsync(string inventoryId, long version, CancellationToken cancellationToken)
    {
        var start = version == 0 ? InventoryState.Empty : await SnapshotAtOrBelowAsync(inventoryId, version, cancellationToken);
        // Events after the snapshot up to the target (and one past version 0, to tell an empty inventory from none).
        var query = new QueryDefinition("SELECT * FROM c WHERE c.version > @after AND c.version <= @to ORDER BY c.version")
            .WithParameter("@after", start.Version)
            .WithParameter("@to", Math.Max(version, 1));
        var state = start;
        await foreach (var e in QueryEventsAsync(inventoryId, query, cancellationToken))
        {
            if (e.Version > version)
                return new HistoricState.Found(state); // version 0 of an inventory that exists
            state = Fold(inventoryId, state, e);
        }

        if (state.Version == version && version > 0)
            return new HistoricState.Found(state);
        return state.Version == 0 ? new HistoricState.NoSuchInventory() : new HistoricState.BeyondCurrent(state.Version);
    }

    public async Task<HistoricState> AsOfAsync(string inventoryId, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        // The latest snapshot taken at or before the instant (snapshots record their event's occurredAt,
        // stored fixed-width, so string order is time order), then events until one is later than the instant.
        var snapshotQuery = new QueryDefinition(
                "SELECT * FROM c WHERE c.kind = @kind AND c.occurredAt <= @instant ORDER BY c.state.version DESC")
            .WithParameter("@kind", SnapshotDocument.Kind)
            .WithParameter("@instant", EventCodec.FormatOccurredAt(instant));
        var state = await FirstSnapshotAsync(inventoryId, snapshotQuery, cancellationToken) ?? InventoryState.Empty;

        var query = new QueryDefinition("SELECT * FROM c WHERE c.version > @after ORDER BY c.version")
            .WithParameter("@after", state.Version);
        var anyEvent = state.Version > 0;
        await foreach (var e in QueryEventsAsync(inventoryId, query, cancellationToken, pageSize: snapshots.Value.Interval))
        {
            anyEvent = true;
            if (e.OccurredAt > instant)
                break;
            state = Fold(inventoryId, state, e);
        }
        return anyEvent ? new HistoricState.Found(state) : new HistoricState.NoSuchInventory();
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

        using (var response = await _events.ReadItemStreamAsync(SnapshotDocument.IdFor(expected), new PartitionKey(inventoryId), cancellationToken: cancellationToken))
        {
            if (response.IsSuccessStatusCode)
            {
                using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
                if (SnapshotDocument.TryDecode(document.RootElement) is { } state && state.Version == expected)
                    return state;
            }
            else if (response.StatusCode != HttpStatusCode.NotFound)
            {
                response.EnsureSuccessStatusCode();
            }
        }

        var query = new QueryDefinition("SELECT * FROM c WHERE c.kind = @kind AND c.state.version <= @version ORDER BY c.state.version DESC")
            .WithParameter("@kind", SnapshotDocument.Kind)
            .WithParameter("@version", version);
        return await FirstSnapshotAsync(inventoryId, query, cancellationToken) ?? InventoryState.Empty;
    }

    private async Task<InventoryState?> FirstSnapshotAsync(string inventoryId, QueryDefinition query, CancellationToken cancellationToken)
    {
        using var iterator = _events.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = new PartitionKey(inventoryId),
            MaxItemCount = 1,
            EnableOptimisticDirectExecution = true, // no query plan round trip: see QueryLogAsync
        });
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            // Newest first; an unreadable snapshot is skipped for the next one down rather than ending the search.
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                if (SnapshotDocument.TryDecode(document) is { } state)
                    return state;
            }
        }
        return null;
    }

    private static InventoryState Fold(string inventoryId, InventoryState state, RecordedEvent e) =>
        e.Version == state.Version + 1
            ? Inventory.Evolve(state, e.Event)
            : throw new CorruptEventException(inventoryId, EventCodec.DocumentId(e.Version), $"the log jumps from version {state.Version} to {e.Version}");
}
