using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.Http;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>The outcome of one timed call: HTTP status (0 when it threw), latency, and the inventory version it reported.</summary>
public readonly record struct CallResult(int Status, double Milliseconds, long Version)
{
    public bool Ok => Status is >= 200 and < 300;
}

/// <summary>The naive read: every event of the inventory through the audit log, folded on the client.</summary>
public readonly record struct ReplayResult(int Status, double Milliseconds, int Pages, InventoryState? State);

/// <summary>
/// The shared API client's requests (<see cref="ApiRequests"/>), timed: latency is from sending the request to having
/// parsed the answer.
/// </summary>
public sealed class TimedApiClient(HttpClient http)
{
    public const int AuditPageSize = ApiRequests.MaxPageSize;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http => http;

    /// <summary>An HttpClient for the app's /api base address, sending the bearer token when there is one.</summary>
    public static HttpClient CreateHttpClient(Uri apiBase, string? bearerToken) =>
        // Not slowed by the OpenAPI check: the tests check every answer, the benchmarks time them.
        ApiClient.CreateHttpClient(apiBase, bearerToken, maxConnectionsPerServer: 512, checkContract: false);

    public Task<CallResult> AddItemAsync(string inventoryId, string itemId, int quantity, CancellationToken cancellationToken) =>
        SendAsync(ApiRequests.AddItem(inventoryId, itemId, quantity), cancellationToken);

    /// <summary>POST …/events with a batch of events (each <c>("ItemAdded" | "ItemRemoved", itemId, quantity)</c>).</summary>
    public Task<CallResult> AppendEventsAsync(string inventoryId, IReadOnlyList<(string Type, string ItemId, int Quantity)> events, CancellationToken cancellationToken)
        => SendAsync(ApiRequests.AppendEvents(inventoryId, events), cancellationToken);

    /// <summary>GET /inventories/{id}: the projection (one point read in the app).</summary>
    public Task<CallResult> GetInventoryAsync(string inventoryId, CancellationToken cancellationToken) =>
        SendAsync(ApiRequests.GetInventory(inventoryId), cancellationToken);

    /// <summary>GET /inventories/{id} parsed: version and items (null when not there).</summary>
    public async Task<InventoryResponse?> ReadInventoryAsync(string inventoryId, CancellationToken cancellationToken)
    {
        using var request = ApiRequests.GetInventory(inventoryId);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<InventoryResponse>(Json, cancellationToken);
    }

    /// <summary>
    /// The tutorial's read: page through the whole audit log (<c>GET …/events</c>, <see cref="AuditPageSize"/> a page) and
    /// fold every event with <see cref="Inventory.Fold(InventoryState, IEnumerable{RecordedEvent})"/>.
    /// </summary>
    public async Task<ReplayResult> NaiveReplayAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var events = new List<RecordedEvent>();
        var (status, pages) = await ReadAuditLogAsync(inventoryId, events, cancellationToken);
        if (status != 200)
            return new ReplayResult(status, Elapsed(start), pages, null);
        var state = Inventory.Fold(InventoryState.Empty, events);
        return new ReplayResult(200, Elapsed(start), pages, state);
    }

    /// <summary>Every event of the inventory through the audit log, in order (null when a page failed).</summary>
    public async Task<List<RecordedEvent>?> ReadAuditLogAsync(string inventoryId, CancellationToken cancellationToken)
    {
        var events = new List<RecordedEvent>();
        var (status, _) = await ReadAuditLogAsync(inventoryId, events, cancellationToken);
        return status == 200 ? events : null;
    }

    /// <summary>GET …/state?atVersion=N: time travel to just after event N.</summary>
    public Task<CallResult> GetStateAtVersionAsync(string inventoryId, long version, CancellationToken cancellationToken) =>
        SendAsync(ApiRequests.StateAtVersion(inventoryId, version), cancellationToken);

    /// <summary>GET …/state?asOf=instant: time travel to the last event at or before the instant.</summary>
    public Task<CallResult> GetStateAsOfAsync(string inventoryId, DateTimeOffset instant, CancellationToken cancellationToken) =>
        SendAsync(ApiRequests.StateAsOf(inventoryId, instant), cancellationToken);

    /// <summary>GET …/state?atVersion=N (or ?asOf= when <paramref name="instant"/> is given) parsed; null unless 200.</summary>
    public async Task<StateResponse?> ReadStateAsync(string inventoryId, long version, DateTimeOffset? instant, CancellationToken cancellationToken)
    {
        using var request = instant is { } asOf ? ApiRequests.StateAsOf(inventoryId, asOf) : ApiRequests.StateAtVersion(inventoryId, version);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<StateResponse>(Json, cancellationToken) : null;
    }

    /// <summary>GET /inventories/{id}/dwell-time: the dwell-time view (one point read in the app).</summary>
    public Task<CallResult> GetDwellTimeAsync(string inventoryId, CancellationToken cancellationToken) =>
        SendAsync(DwellTime(inventoryId), cancellationToken);

    /// <summary>GET /most-collected?top=N: the global board (one point read in the app).</summary>
    public Task<CallResult> GetGlobalMostCollectedAsync(int top, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, FormattableString.Invariant($"most-collected?top={top}")), cancellationToken);

    /// <summary>GET /inventories/{id}/replay?fromVersion=&amp;toVersion=: a page of events, each with the state after it.</summary>
    public Task<CallResult> GetReplayAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken) =>
        SendAsync(Replay(inventoryId, fromVersion, toVersion), cancellationToken);

    /// <summary>The replay page parsed (null unless 200).</summary>
    public Task<JsonDocument?> ReadReplayAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken) =>
        ReadJsonAsync(Replay(inventoryId, fromVersion, toVersion), cancellationToken);

    private static HttpRequestMessage DwellTime(string inventoryId) => new(HttpMethod.Get, $"inventories/{inventoryId}/dwell-time");

    private static HttpRequestMessage Replay(string inventoryId, long fromVersion, long toVersion) =>
        new(HttpMethod.Get, FormattableString.Invariant($"inventories/{inventoryId}/replay?fromVersion={fromVersion}&toVersion={toVersion}"));

    private async Task<JsonDocument?> ReadJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var _ = request;
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode
            ? await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken)
            : null;
    }

    private async Task<(int Status, int Pages)> ReadAuditLogAsync(string inventoryId, List<RecordedEvent> events, CancellationToken cancellationToken)
    {
        long? from = 1;
        var pages = 0;
        try
        {
            while (from is { } fromVersion)
            {
                using var request = ApiRequests.Events(inventoryId, fromVersion, AuditPageSize);
                using var response = await http.SendAsync(request, cancellationToken);
                pages++;
                if (!response.IsSuccessStatusCode)
                    return ((int)response.StatusCode, pages);
                using var page = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
                events.AddRange(page.RootElement.GetProperty("events").EnumerateArray().Select(ApiClient.ToRecordedEvent));
                from = ApiClient.NextFromVersion(page.RootElement);
            }
            return (200, pages);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return (0, pages);
        }
    }


    private async Task<CallResult> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var _ = request;
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var version = response.IsSuccessStatusCode ? VersionOf(body) : -1;
            return new CallResult((int)response.StatusCode, Elapsed(start), version);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new CallResult(0, Elapsed(start), -1);
        }
    }

    private static long VersionOf(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("version"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : -1;
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
                reader.Skip();
        }
        return -1;
    }

    private static double Elapsed(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
