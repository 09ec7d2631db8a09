using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Testing;

/// <summary>
/// Python's <c>Counter(all added items).most_common(n)</c> over every log, the adding events fed in the order that
/// defines "first added anywhere": by occurredAt, then inventory id (ordinal), then version.
/// </summary>
public static class CollectedOracle
{
    public static IReadOnlyList<(string ItemId, long Collected)> MostCommon(IEnumerable<(string InventoryId, RecordedEvent Event)> log, int n)
    {
        var counter = new Dictionary<string, (long Count, int Order)>(StringComparer.Ordinal);
        var adds = log.Where(e => e.Event.Event is ItemAdded)
            .OrderBy(e => e.Event.OccurredAt).ThenBy(e => e.InventoryId, StringComparer.Ordinal).ThenBy(e => e.Event.Version);
        foreach (var (_, e) in adds)
        {
            var seen = counter.TryGetValue(e.Event.ItemId, out var c) ? c : (0, counter.Count);
            counter[e.Event.ItemId] = (seen.Count + e.Event.Quantity, seen.Order);
        }
        // most_common sorts by count, descending, and keeps insertion order among equals.
        return [.. counter.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Value.Order).Take(n).Select(kv => (kv.Key, kv.Value.Count))];
    }

    /// <summary>Every decodable event in the events container (one cross-partition query).</summary>
    public static async Task<List<(string InventoryId, RecordedEvent Event)>> ReadAllEventsAsync(Container events)
    {
        var all = new List<(string, RecordedEvent)>();
        using var iterator = events.GetItemQueryStreamIterator("SELECT * FROM c");
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync();
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content);
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                if (EventCodec.TryDecode(document) is DecodeResult.Decoded decoded)
                    all.Add((decoded.InventoryId, decoded.Event));
            }
        }
        return all;
    }
}
