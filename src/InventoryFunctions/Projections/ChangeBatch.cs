using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>
/// One inventory's part of a change-feed batch, version → event (null: an undecodable document), and the one rule
/// every per-inventory consumer of the feed follows to turn it into the versions to apply after what it applied before.
/// </summary>
public sealed class ChangeBatch(string inventoryId)
{
    public string InventoryId { get; } = inventoryId;

    public SortedDictionary<long, RecordedEvent?> Versions { get; } = [];

    /// <summary>Why each undecodable document (a null in <see cref="Versions"/>) could not be decoded, for the poison queue.</summary>
    public Dictionary<long, DecodeResult.Malformed> Malformed { get; } = [];

    public long LastVersion => Versions.Count == 0 ? 0 : Versions.Keys.Max();

    /// <summary>An inventory's whole log as one batch (what a rebuild applies to an empty view).</summary>
    public static async Task<ChangeBatch> FromLogAsync(string inventoryId, IEventLogReader log, CancellationToken cancellationToken)
    {
        var batch = new ChangeBatch(inventoryId);
        foreach (var document in await log.ReadRangeAsync(inventoryId, 1, long.MaxValue, cancellationToken))
            batch.Add(document.Version, document.Result);
        return batch;
    }

    /// <summary>Groups decodable and placeable documents by inventory; the rest have no place in any sequence.</summary>
    public static IReadOnlyCollection<ChangeBatch> Group(IReadOnlyList<ChangedDocument> documents)
    {
        var batches = new Dictionary<string, ChangeBatch>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            var (inventoryId, version) = document.Result switch
            {
                DecodeResult.Decoded d => (d.InventoryId, d.Event.Version),
                DecodeResult.Malformed when document is { InventoryId: { } id, Version: { } v } => (id, v),
                _ => (null, 0L),
            };
            if (inventoryId is null)
                continue;
            if (!batches.TryGetValue(inventoryId, out var batch))
                batches[inventoryId] = batch = new ChangeBatch(inventoryId);
            batch.Add(version, document.Result, replace: true);
        }
        return batches.Values;
    }

    /// <summary>Whether a changed document has no place in any inventory's sequence (no inventory id or version).</summary>
    public static bool IsUnplaceable(ChangedDocument document) =>
        document.Result is DecodeResult.Malformed && document is not { InventoryId: not null, Version: not null };

    private void Add(long version, DecodeResult result, bool replace = false)
    {
        if (result is DecodeResult.NotAnEvent || (!replace && Versions.ContainsKey(version)))
            return;
        Versions[version] = (result as DecodeResult.Decoded)?.Event;
        if (result is DecodeResult.Malformed malformed)
            Malformed[version] = malformed;
        else
            Malformed.Remove(version);
    }

    /// <summary>
    /// The versions after <paramref name="applied"/> up to the batch's last, in order, a gap read from the log first
    /// (one range query). Null entries are undecodable documents, to be skipped. It stops before undecodable documents
    /// claiming versions past the end of the log; a version missing while later real ones exist throws, so the batch
    /// is retried (a replica may lag).
    /// </summary>
    public async Task<IReadOnlyList<(long Version, RecordedEvent? Event)>> SequenceAfterAsync(long applied, IEventLogReader log, ILogger logger,
        CancellationToken cancellationToken)
    {
        var last = LastVersion;
        var from = applied + 1;
        if (last < from)
            return [];
        for (var version = from; version <= last; version++)
        {
            if (Versions.ContainsKey(version))
                continue;
            logger.LogInformation("Batch for {InventoryId} lacks versions between {From} and {To}; reading them from the log", InventoryId, from, last);
            foreach (var document in await log.ReadRangeAsync(InventoryId, from, last, cancellationToken))
                Add(document.Version, document.Result);
            break;
        }

        var sequence = new List<(long, RecordedEvent?)>();
        for (var version = from; version <= last; version++)
        {
            if (!Versions.TryGetValue(version, out var recorded))
            {
                if (Versions.Any(v => v.Key > version && v.Value is not null))
                    throw new CorruptEventException(InventoryId, CorruptEventException.DocumentIdOf(version),
                        $"version {version} is missing from the log while later versions exist");
                break;
            }
            sequence.Add((version, recorded));
        }
        return sequence;
    }
}
