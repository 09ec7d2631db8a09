using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>A response read whole: status, media type and the JSON body (undefined when there was none).</summary>
public sealed record JsonReply(HttpStatusCode Status, string? MediaType, JsonElement Body)
{
    public override string ToString() => $"{(int)Status} {MediaType} {(Body.ValueKind == JsonValueKind.Undefined ? "" : Body.GetRawText())}";
}

/// <summary>What the history tests share: reading the API, folding the log, arranging documents directly.</summary>
public static class HistoryApi
{
    public static async Task<JsonReply> GetJsonAsync(this HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return await ReadAsync(response);
    }

    public static async Task<JsonReply> SendJsonAsync(this HttpClient http, HttpMethod method, string path, string? json = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, mediaType);
        using var response = await http.SendAsync(request);
        return await ReadAsync(response);
    }

    public static async Task<JsonReply> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new JsonReply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    /// <summary><c>GET …/state?{query}</c>.</summary>
    public static Task<JsonReply> GetStateAsync(this HttpClient http, string inventoryId, string query) =>
        http.GetJsonAsync($"inventories/{inventoryId}/state?{query}");

    public static Task<JsonReply> GetStateAtAsync(this HttpClient http, string inventoryId, long version) =>
        http.GetStateAsync(inventoryId, "atVersion=" + version.ToString(CultureInfo.InvariantCulture));

    public static Task<JsonReply> GetStateAsOfAsync(this HttpClient http, string inventoryId, DateTimeOffset instant) =>
        http.GetStateAsync(inventoryId, "asOf=" + Uri.EscapeDataString(EventCodec.FormatOccurredAt(instant)));

    /// <summary>The whole log through <c>GET …/events</c>, page by page, as the API shows it.</summary>
    public static async Task<List<RecordedEvent>> ReadLogAsync(this HttpClient http, string inventoryId)
    {
        var events = new List<RecordedEvent>();
        long? from = 1;
        while (from is { } next)
        {
            var page = await http.GetJsonAsync($"inventories/{inventoryId}/events?fromVersion={next}&limit=1000");
            Assert.True(page.Status == HttpStatusCode.OK, $"GET events: {page}");
            events.AddRange(page.Body.GetProperty("events").EnumerateArray().Select(ToRecordedEvent));
            from = page.Body.GetProperty("nextFromVersion").ValueKind == JsonValueKind.Number ? page.Body.GetProperty("nextFromVersion").GetInt64() : null;
        }
        return events;
    }

    public static RecordedEvent ToRecordedEvent(JsonElement e)
    {
        var itemId = e.GetProperty("itemId").GetString()!;
        var quantity = e.GetProperty("quantity").GetInt32();
        InventoryEvent fact = e.GetProperty("type").GetString() switch
        {
            EventTypes.ItemAdded => new ItemAdded(itemId, quantity),
            EventTypes.ItemRemoved => new ItemRemoved(itemId, quantity),
            var other => throw new InvalidDataException($"Unknown event type {other}"),
        };
        return new RecordedEvent(e.GetProperty("version").GetInt64(), e.GetProperty("occurredAt").GetDateTimeOffset(), fact);
    }

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

    /// <summary>Polls the projection (<c>GET /inventories/{id}</c>) until it reaches <paramref name="version"/>.</summary>
    public static async Task<JsonElement> WaitForViewAsync(this HttpClient http, string inventoryId, long version, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        JsonReply last;
        do
        {
            last = await http.GetJsonAsync($"inventories/{inventoryId}");
            if (last.Status == HttpStatusCode.OK && last.Body.GetProperty("version").GetInt64() >= version)
                return last.Body;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"The view of {inventoryId} did not reach version {version}; last answer {last}");
        return default;
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
