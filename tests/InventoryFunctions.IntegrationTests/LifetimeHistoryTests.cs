using System.Net;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Issue 19's lifetime done-when against the dev server: one inventory that saw 5,000 distinct item ids over its life
/// (never more than 50 held; 25,000 in LifetimeViewsTests, against a store that enforces Cosmos DB's limits: here the
/// rebuild of 50,000 events flushes 60-90 changed parts every ~100 events, over 500 batches per view: minutes of CI) keeps every stored document
/// under 1 MB, answers
/// most-collected exactly (<c>Counter.most_common</c>, ties first added) and dwell time for every removed item, once
/// an operator's rebuild has built its views from the log.
/// </summary>
public sealed class LifetimeHistoryTests(ITestOutputHelper output)
{
    private const int DistinctItems = 5_000;
    private const int HeldAtMost = 50;
    private const long OneMegabyte = 1024 * 1024;

    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_inventory_that_saw_5000_distinct_items_stays_bounded_and_answers_exactly()
    {
        await using var ops = await OwnStack.StartAsync();
        var inventoryId = LocalStack.NewInventoryId("lifetime");
        var log = History();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ImportInBatchesAsync(ops.Stack.Events, inventoryId, log);
        output.WriteLine($"import {clock.Elapsed}");
        // The one repair path builds every view from the log read once: the same step as the change feed's (proven
        // through the feed at 1,200 distinct items in DwellTimeTests), without four functions re-reading 10,000 events.
        var rebuilt = await ops.Http.SendJsonAsync(HttpMethod.Post, "projections/rebuild", $$"""{"inventoryId":"{{inventoryId}}"}""");
        Assert.True(rebuilt.Status == HttpStatusCode.OK, rebuilt.ToString());
        output.WriteLine($"rebuild {clock.Elapsed}");
        Assert.Equal(log.Count, rebuilt.Body.GetProperty("version").GetInt64());
        var dwell = await ops.Http.GetJsonAsync($"inventories/{inventoryId}/dwell-time");
        Assert.True(dwell.Status == HttpStatusCode.OK, dwell.ToString());
        Assert.Equal(log.Count, dwell.Body.GetProperty("version").GetInt64());

        var oracle = CollectedOracle.MostCommon(log.Select(e => (inventoryId, e)), 100);
        foreach (var top in new[] { 3, 100 })
        {
            var reply = await ops.Http.GetJsonAsync($"inventories/{inventoryId}/most-collected?top={top}");
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            Assert.Equal(oracle.Take(top), reply.Body.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64())));
        }

        // Every removed item is answered, with its exact count of removed units, over the pages.
        var removed = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var page = dwell.Body; ; )
        {
            foreach (var item in page.GetProperty("items").EnumerateArray())
                Assert.True(removed.TryAdd(item.GetProperty("itemId").GetString()!, item.GetProperty("removed").GetInt64()), "an item answered on two pages");
            if (!page.TryGetProperty("nextPage", out var next))
                break;
            var reply = await ops.Http.GetJsonAsync($"inventories/{inventoryId}/dwell-time?page={next.GetInt32()}");
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            page = reply.Body;
        }
        var expectedRemoved = log.Where(e => e.Event is ItemRemoved).GroupBy(e => e.Event.ItemId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => (long)e.Event.Quantity), StringComparer.Ordinal);
        Assert.Equal(DistinctItems, removed.Count);
        Assert.True(expectedRemoved.All(kv => removed.GetValueOrDefault(kv.Key) == kv.Value), "every removed item's count equals the log's");

        // No stored document of the inventory (nor any other) is over 1 MB.
        var projections = ops.Stack.Client.GetContainer(ops.Stack.Options.DatabaseName, ops.Stack.Options.ProjectionsContainerName);
        foreach (var container in new[] { ops.Stack.Events, projections })
        {
            var (count, largest, id) = await LargestDocumentAsync(container);
            Assert.True(largest < OneMegabyte, $"{container.Id}: {id} is {largest:N0} bytes (of {count:N0} documents)");
        }
    }

    /// <summary>Groups of 50 new ids, each added (every 97th twice, as two adds) and then removed: never more than 50 held.</summary>
    private static List<RecordedEvent> History()
    {
        var log = new List<RecordedEvent>();
        var at = T0;
        void Append(InventoryEvent e) => log.Add(new RecordedEvent(log.Count + 1, at = at.AddSeconds(1), e));
        for (var group = 0; group < DistinctItems / HeldAtMost; group++)
        {
            var ids = Enumerable.Range(group * HeldAtMost, HeldAtMost).ToList();
            foreach (var i in ids)
            {
                Append(new ItemAdded($"item-{i:D5}", 1));
                if (i % 97 == 0)
                    Append(new ItemAdded($"item-{i:D5}", 1));
            }
            foreach (var i in ids)
                Append(new ItemRemoved($"item-{i:D5}", i % 97 == 0 ? 2 : 1));
        }
        return log;
    }

    /// <summary>Writes the log as an import would, 100 documents a transactional batch (Cosmos DB's limit).</summary>
    private static async Task ImportInBatchesAsync(Container events, string inventoryId, IReadOnlyList<RecordedEvent> log)
    {
        foreach (var chunk in log.Chunk(100))
        {
            var batch = events.CreateTransactionalBatch(new PartitionKey(inventoryId));
            foreach (var e in chunk)
                batch.CreateItemStream(new MemoryStream(EventCodec.Encode(inventoryId, e)));
            using var response = await batch.ExecuteAsync();
            Assert.True(response.IsSuccessStatusCode, $"import batch: {(int)response.StatusCode} {response.ErrorMessage}");
        }
    }

    /// <summary>The number of documents in the container and the largest one's size and id (its JSON as stored, one scan).</summary>
    private static async Task<(int Count, long Bytes, string? Id)> LargestDocumentAsync(Container container)
    {
        var (count, largest, id) = (0, 0L, (string?)null);
        using var iterator = container.GetItemQueryStreamIterator("SELECT * FROM c");
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync();
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content);
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
            {
                count++;
                var bytes = (long)document.GetRawText().Length;
                if (bytes > largest)
                    (largest, id) = (bytes, document.GetProperty("id").GetString());
            }
        }
        return (count, largest, id);
    }
}
