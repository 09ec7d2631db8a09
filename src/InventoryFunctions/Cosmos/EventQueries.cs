using System.Runtime.CompilerServices;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Every query this app sends to the events container, and the readers that run them. All but
/// <see cref="FirstVersions"/> stay in one partition (one inventory) and are served by the index on <c>version</c>.
/// </summary>
internal static class EventQueries
{
    /// <summary>Events after <paramref name="after"/>, to the end of the log.</summary>
    public static QueryDefinition EventsAfter(long after) =>
        new QueryDefinition("SELECT * FROM c WHERE c.version > @after ORDER BY c.version")
            .WithParameter("@after", after);

    /// <summary>Events from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public static QueryDefinition EventsBetween(long from, long to) =>
        new QueryDefinition("SELECT * FROM c WHERE c.version >= @from AND c.version <= @to ORDER BY c.version")
            .WithParameter("@from", from)
            .WithParameter("@to", to);

    /// <summary>The latest snapshot taken at or before <paramref name="instant"/> first.</summary>
    public static QueryDefinition SnapshotsAsOf(DateTimeOffset instant) =>
        // Snapshots record the latest occurredAt of their prefix, stored fixed-width, so string order is time order.
        new QueryDefinition("SELECT * FROM c WHERE c.kind = @kind AND c.occurredAt <= @instant ORDER BY c.state.version DESC")
            .WithParameter("@kind", SnapshotDocument.Kind)
            .WithParameter("@instant", EventCodec.FormatOccurredAt(instant));

    /// <summary>The latest snapshot at or below <paramref name="version"/> first.</summary>
    public static QueryDefinition SnapshotsAtOrBelow(long version) =>
        new QueryDefinition("SELECT * FROM c WHERE c.kind = @kind AND c.state.version <= @version ORDER BY c.state.version DESC")
            .WithParameter("@kind", SnapshotDocument.Kind)
            .WithParameter("@version", version);

    /// <summary>An inventory's head and its item shards (<see cref="HeadDocument"/>).</summary>
    public static QueryDefinition HeadDocuments() =>
        new QueryDefinition("SELECT * FROM c WHERE c.kind = @head OR c.kind = @shard")
            .WithParameter("@head", HeadDocument.Kind)
            .WithParameter("@shard", HeadShardDocument.Kind);

    /// <summary>Cross-partition: up to <paramref name="max"/> transfer records still debited that were created before <paramref name="cutoff"/>, oldest first.</summary>
    public static QueryDefinition TransfersDebitedBefore(DateTimeOffset cutoff, int max) =>
        new QueryDefinition("SELECT TOP @max * FROM c WHERE c.kind = @kind AND c.transferState = @state AND c.createdAt < @cutoff")
            .WithParameter("@max", max)
            .WithParameter("@kind", TransferDocument.Kind)
            .WithParameter("@state", TransferStates.Debited)
            .WithParameter("@cutoff", EventCodec.FormatOccurredAt(cutoff));

    /// <summary>Cross-partition: the id of every inventory, from the one event each has at version 1.</summary>
    public static QueryDefinition FirstVersions() => new("SELECT VALUE c.inventoryId FROM c WHERE c.version = 1");

    /// <summary>Decoded events of a log query; an undecodable one stops the read, since nothing can be folded past it.</summary>
    public static async IAsyncEnumerable<RecordedEvent> ReadEventsAsync(this Container events, string inventoryId, QueryDefinition query,
        [EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = 1000)
    {
        await foreach (var document in events.ReadLogAsync(inventoryId, query, cancellationToken, pageSize))
        {
            switch (document.Result)
            {
                case DecodeResult.Decoded decoded:
                    yield return decoded.Event;
                    break;
                case DecodeResult.Malformed malformed:
                    throw new CorruptEventException(inventoryId, malformed.Id, malformed.Reason);
            }
        }
    }

    /// <summary>Every event document (numeric top-level version) a single-partition query returns, as the codec reads it.</summary>
    public static async IAsyncEnumerable<LoggedDocument> ReadLogAsync(this Container events, string inventoryId, QueryDefinition query,
        [EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = 1000)
    {
        await foreach (var document in events.ReadDocumentsAsync(inventoryId, query, pageSize, cancellationToken))
        {
            var result = EventCodec.TryDecode(document);
            if (result is not DecodeResult.NotAnEvent && document.GetProperty("version").TryGetInt64(out var version))
                yield return new LoggedDocument(version, result);
        }
    }

    /// <summary>The first snapshot a query returns that decodes; an unreadable one is skipped for the next one down.</summary>
    public static async Task<InventoryState?> FirstSnapshotAsync(this Container events, string inventoryId, QueryDefinition query, CancellationToken cancellationToken)
    {
        await foreach (var document in events.ReadDocumentsAsync(inventoryId, query, pageSize: 1, cancellationToken))
        {
            if (SnapshotDocument.TryDecode(document) is { } state)
                return state;
        }
        return null;
    }

    /// <summary>The documents of a query within one inventory's partition, <paramref name="pageSize"/> a page.</summary>
    internal static IAsyncEnumerable<JsonElement> ReadDocumentsAsync(this Container events, string inventoryId, QueryDefinition query, int pageSize,
        CancellationToken cancellationToken) =>
        events.QueryDocumentsAsync(query, cancellationToken, new PartitionKey(inventoryId), pageSize);
}
