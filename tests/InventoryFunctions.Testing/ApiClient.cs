using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Testing;

/// <summary>A response read whole: status, media type and the JSON body (undefined when there was none).</summary>
/// <param name="Headers">The response's headers (<c>Location</c>, <c>ETag</c>, <c>Idempotent-Replayed</c>, …).</param>
public sealed record JsonReply(HttpStatusCode Status, string? MediaType, JsonElement Body, System.Net.Http.Headers.HttpResponseHeaders? Headers = null)
{
    public override string ToString() => $"{(int)Status} {MediaType} {(Body.ValueKind == JsonValueKind.Undefined ? "" : Body.GetRawText())}";
}

/// <summary>
/// The app's HTTP API as tests and benchmarks call it: <see cref="ApiRequests"/> builds each request (route, query,
/// body), and these helpers send one and read the answer whole. Benchmarks time <see cref="ApiRequests"/> themselves.
/// </summary>
public static class ApiClient
{
    /// <summary>
    /// An HttpClient for the app's <c>/api/</c> base address, sending <paramref name="bearerToken"/> when there is one;
    /// every answer it receives is checked against the OpenAPI document (<see cref="OpenApiContractHandler"/>) unless
    /// <paramref name="checkContract"/> is false (timed benchmark requests).
    /// </summary>
    public static HttpClient CreateHttpClient(Uri apiBase, string? bearerToken = null, int maxConnectionsPerServer = int.MaxValue, bool checkContract = true)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
        };
        var client = new HttpClient(checkContract ? new OpenApiContractHandler(handler, OpenApiContract.Instance) : handler) { BaseAddress = apiBase, Timeout = TimeSpan.FromSeconds(100) };
        if (bearerToken is not null)
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        return client;
    }

    /// <summary>Sends <paramref name="request"/> and reads the answer whole.</summary>
    public static async Task<JsonReply> ExchangeAsync(this HttpClient http, HttpRequestMessage request)
    {
        using (request)
        using (var response = await http.SendAsync(request))
            return await ReadAsync(response);
    }

    public static Task<JsonReply> GetJsonAsync(this HttpClient http, string path) => http.ExchangeAsync(new HttpRequestMessage(HttpMethod.Get, path));

    public static Task<JsonReply> SendJsonAsync(this HttpClient http, HttpMethod method, string path, string? json = null, string mediaType = "application/json") =>
        http.ExchangeAsync(ApiRequests.Json(method, path, json, mediaType));

    public static async Task<JsonReply> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new JsonReply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response.Headers);
    }

    public static Task<JsonReply> AddItemAsync(this HttpClient http, string inventoryId, string itemId, int quantity = 1) =>
        http.ExchangeAsync(ApiRequests.AddItem(inventoryId, itemId, quantity));

    public static Task<JsonReply> RemoveItemAsync(this HttpClient http, string inventoryId, string itemId, int quantity = 1) =>
        http.ExchangeAsync(ApiRequests.RemoveItem(inventoryId, itemId, quantity));

    public static Task<JsonReply> AppendEventsAsync(this HttpClient http, string inventoryId, IEnumerable<(string Type, string ItemId, int Quantity)> events) =>
        http.ExchangeAsync(ApiRequests.AppendEvents(inventoryId, events));

    /// <summary><c>GET …/state?{query}</c>.</summary>
    public static Task<JsonReply> GetStateAsync(this HttpClient http, string inventoryId, string query) =>
        http.GetJsonAsync($"inventories/{inventoryId}/state?{query}");

    public static Task<JsonReply> GetStateAtAsync(this HttpClient http, string inventoryId, long version) =>
        http.ExchangeAsync(ApiRequests.StateAtVersion(inventoryId, version));

    public static Task<JsonReply> GetStateAsOfAsync(this HttpClient http, string inventoryId, DateTimeOffset instant) =>
        http.ExchangeAsync(ApiRequests.StateAsOf(inventoryId, instant));

    /// <summary>The whole log through <c>GET …/events</c>, page by page, as the API shows it.</summary>
    public static async Task<List<RecordedEvent>> ReadLogAsync(this HttpClient http, string inventoryId)
    {
        var events = new List<RecordedEvent>();
        long? from = 1;
        while (from is { } next)
        {
            var page = await http.ExchangeAsync(ApiRequests.Events(inventoryId, next, ApiRequests.MaxPageSize));
            Assert.True(page.Status == HttpStatusCode.OK, $"GET events: {page}");
            events.AddRange(page.Body.GetProperty("events").EnumerateArray().Select(ToRecordedEvent));
            from = NextFromVersion(page.Body);
        }
        return events;
    }

    /// <summary>An event of an audit log page, as the domain's record.</summary>
    public static RecordedEvent ToRecordedEvent(JsonElement e)
    {
        var itemId = e.GetProperty("itemId").GetString()!;
        var quantity = e.GetProperty("quantity").GetInt32();
        var type = e.GetProperty("type").GetString();
        var (transferId, counterparty) = e.TryGetProperty("transferId", out var id)
            ? (id.GetString()!, e.GetProperty("counterparty").GetString()!)
            : (string.Empty, string.Empty);
        var fact = type switch
        {
            EventTypes.ItemTransferredOut => new ItemTransferredOut(itemId, quantity, transferId, counterparty),
            EventTypes.ItemTransferredIn => new ItemTransferredIn(itemId, quantity, transferId, counterparty),
            EventTypes.ItemRefunded => new ItemRefunded(itemId, quantity, transferId, counterparty),
            _ => EventTypes.Create(type, itemId, quantity) ?? throw new InvalidDataException($"Unknown event type {type}"),
        };
        return new RecordedEvent(e.GetProperty("version").GetInt64(), e.GetProperty("occurredAt").GetDateTimeOffset(), fact);
    }

    /// <summary>The <c>nextFromVersion</c> of an audit log page; null on the last page.</summary>
    public static long? NextFromVersion(JsonElement page) =>
        page.GetProperty("nextFromVersion").ValueKind == JsonValueKind.Number ? page.GetProperty("nextFromVersion").GetInt64() : null;

    /// <summary>Polls the projection (<c>GET /inventories/{id}</c>) until it reaches <paramref name="version"/>; fails after <paramref name="timeout"/>.</summary>
    public static async Task<JsonElement> WaitForViewAsync(this HttpClient http, string inventoryId, long version, TimeSpan? timeout = null, int pollMs = 20) =>
        (await Eventually.UntilAsync($"the view of {inventoryId} at version {version}", () => http.ExchangeAsync(ApiRequests.GetInventory(inventoryId)),
            last => last.Status == HttpStatusCode.OK && last.Body.GetProperty("version").GetInt64() >= version,
            timeout ?? TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(pollMs))).Body;

    /// <summary>Polls the dwell-time view (<c>GET …/dwell-time</c>, its first page) until it reaches <paramref name="version"/>.</summary>
    public static Task<JsonReply> WaitForDwellTimeAsync(this HttpClient http, string inventoryId, long version) =>
        Eventually.UntilAsync($"the dwell-time view of {inventoryId} at version {version}", () => http.GetJsonAsync($"inventories/{inventoryId}/dwell-time"),
            reply => reply.Status == HttpStatusCode.OK && reply.Body.GetProperty("version").GetInt64() >= version, every: TimeSpan.FromMilliseconds(50));
}

/// <summary>Every request of the app's HTTP API, built once: route, query and body.</summary>
public static class ApiRequests
{
    /// <summary>The largest audit log page the API serves.</summary>
    public const int MaxPageSize = 1000;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>A request with <paramref name="json"/> as its body (sent as is, so it may be invalid on purpose) in <paramref name="mediaType"/>.</summary>
    public static HttpRequestMessage Json(HttpMethod method, string path, string? json, string mediaType = "application/json") => new(method, path)
    {
        Content = json is null ? null : new StringContent(json, Encoding.UTF8, System.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType)),
    };

    public static HttpRequestMessage AddItem(string inventoryId, string itemId, int quantity) =>
        new(HttpMethod.Post, $"inventories/{inventoryId}/items") { Content = JsonContent.Create(new { itemId, quantity }, options: Web) };

    public static HttpRequestMessage RemoveItem(string inventoryId, string itemId, int quantity) =>
        new(HttpMethod.Delete, string.Create(CultureInfo.InvariantCulture, $"inventories/{inventoryId}/items/{Uri.EscapeDataString(itemId)}?quantity={quantity}"));

    /// <summary>POST …/events with a batch (each <c>("ItemAdded" | "ItemRemoved", itemId, quantity)</c>).</summary>
    public static HttpRequestMessage AppendEvents(string inventoryId, IEnumerable<(string Type, string ItemId, int Quantity)> events) =>
        new(HttpMethod.Post, $"inventories/{inventoryId}/events")
        {
            Content = JsonContent.Create(new { events = events.Select(e => new { type = e.Type, itemId = e.ItemId, quantity = e.Quantity }).ToArray() }, options: Web),
        };

    public static HttpRequestMessage GetInventory(string inventoryId) => new(HttpMethod.Get, $"inventories/{inventoryId}");

    public static HttpRequestMessage MostCollected(string inventoryId, string query = "") => new(HttpMethod.Get, $"inventories/{inventoryId}/most-collected{query}");

    public static HttpRequestMessage Events(string inventoryId, long fromVersion, int limit) =>
        new(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"inventories/{inventoryId}/events?fromVersion={fromVersion}&limit={limit}"));

    public static HttpRequestMessage StateAtVersion(string inventoryId, long version) =>
        new(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"inventories/{inventoryId}/state?atVersion={version}"));

    public static HttpRequestMessage StateAsOf(string inventoryId, DateTimeOffset instant) =>
        new(HttpMethod.Get, $"inventories/{inventoryId}/state?asOf={Uri.EscapeDataString(EventCodec.FormatOccurredAt(instant))}");

    /// <summary>POST /projections/rebuild with <paramref name="json"/> (null: no body, every inventory).</summary>
    /// <summary><c>POST …/transfers</c> of <paramref name="lines"/> to <paramref name="to"/>, with <paramref name="key"/> as <c>Idempotency-Key</c> when given.</summary>
    public static HttpRequestMessage Transfer(string from, string to, IEnumerable<(string ItemId, int Quantity)> lines, string? key)
    {
        var request = Json(HttpMethod.Post, $"inventories/{from}/transfers",
            JsonSerializer.Serialize(new { to, items = lines.Select(l => new { itemId = l.ItemId, quantity = l.Quantity }) }));
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    public static HttpRequestMessage GetTransfer(string from, string transferId) => new(HttpMethod.Get, $"inventories/{from}/transfers/{transferId}");

    public static HttpRequestMessage Rebuild(string? json) => Json(HttpMethod.Post, "projections/rebuild", json);
}
