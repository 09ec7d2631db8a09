using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>What the history tests share: folding the log, asserting answers, arranging documents directly.</summary>
public static class HistoryApi
{
    /// <summary>The state after the first <paramref name="version"/> events of <paramref name="log"/>.</summary>
    public static InventoryState FoldPrefix(IReadOnlyList<RecordedEvent> log, long version) =>
        Inventory.Fold(InventoryState.Empty, log.Take((int)version));

    /// <summary>Items of a JSON object <c>{"sword":2}</c>, in ordinal order.</summary>
    public static ImmutableSortedDictionary<string, int> ItemsOf(JsonElement items) =>
        items.EnumerateObject().ToImmutableSortedDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);

    public static string Describe(IEnumerable<KeyValuePair<string, int>> items) =>
        "{" + string.Join(", ", items.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}")) + "}";

    /// <summary>Asserts a 200 state answer holds exactly <paramref name="expected"/>.</summary>
    public static void AssertState(InventoryState expected, JsonReply reply, string inventoryId, string because)
    {
        Assert.True(reply.Status == HttpStatusCode.OK, $"{because}: {reply}");
        Assert.Equal(inventoryId, reply.Body.GetProperty("inventoryId").GetString());
        var actual = new InventoryState(reply.Body.GetProperty("version").GetInt64(), ItemsOf(reply.Body.GetProperty("items")));
        Assert.True(expected.Equals(actual), $"{because}: expected {expected}, got {actual}");
    }

    /// <summary>Asserts an RFC 9457 problem whose type ends with <paramref name="name"/>; returns its body.</summary>
    public static JsonElement AssertProblem(JsonReply reply, HttpStatusCode status, string name)
    {
        Assert.True(reply.Status == status, $"expected {(int)status} {name}, got {reply}");
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.Equal("https://inventoryfunctions.dev/problems/" + name, reply.Body.GetProperty("type").GetString());
        Assert.Equal((int)status, reply.Body.GetProperty("status").GetInt32());
        return reply.Body;
    }

    /// <summary>Writes event documents straight into the log, as an import or an older deployment would.</summary>
    public static async Task WriteDocumentsAsync(this Container events, string inventoryId, params byte[][] documents)
    {
        foreach (var document in documents)
        {
            using var response = await events.CreateItemStreamAsync(new MemoryStream(document), new PartitionKey(inventoryId));
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"create: {(int)response.StatusCode} {response.ErrorMessage}");
        }
    }

    public static Task ImportAsync(this Container events, string inventoryId, IEnumerable<RecordedEvent> recorded) =>
        events.WriteDocumentsAsync(inventoryId, [.. recorded.Select(e => EventCodec.Encode(inventoryId, e))]);

    /// <summary>Every document id in the inventory's partition, sorted ordinally.</summary>
    public static async Task<List<string>> DocumentIdsAsync(this Container container, string inventoryId)
    {
        var ids = new List<string>();
        using var iterator = container.GetItemQueryIterator<string>("SELECT VALUE c.id FROM c",
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(inventoryId) });
        while (iterator.HasMoreResults)
            ids.AddRange(await iterator.ReadNextAsync());
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>The stored document (system properties removed) and its etag, or null when there is none.</summary>
    public static async Task<(JsonElement Document, string ETag)?> ReadDocumentAsync(this Container container, string id, string partitionKey)
    {
        using var response = await container.ReadItemStreamAsync(id, new PartitionKey(partitionKey));
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content);
        var copy = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!property.Name.StartsWith('_'))
                copy[property.Name] = property.Value.Clone();
        }
        return (JsonSerializer.SerializeToElement(copy), response.Headers.ETag);
    }

    /// <summary>Etags of the given documents, to show later that none of them was rewritten.</summary>
    public static async Task<Dictionary<string, string>> ETagsAsync(this Container container, string partitionKey, IEnumerable<string> ids)
    {
        var etags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in ids)
            etags[id] = (await container.ReadDocumentAsync(id, partitionKey))?.ETag ?? throw new InvalidOperationException($"Document {id} is missing.");
        return etags;
    }
}
