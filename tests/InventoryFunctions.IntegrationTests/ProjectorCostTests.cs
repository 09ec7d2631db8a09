using System.Collections.Concurrent;
using InventoryFunctions.Domain;
using InventoryFunctions.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// What each projection costs per inventory when the change feed delivers a backlog: the log is written while no
/// change feed runs, then one app starts its three change-feed functions on it (each delivery is one page holding
/// every inventory), and its Cosmos requests on the projections container are split by view. A stack of its own, started
/// in the shared stack's collection so that the two do not start at once.
/// </summary>
[Collection(Infrastructure.LocalStackGroup.Name)]
public sealed class ProjectorCostTests(ITestOutputHelper output)
{
    private const int Inventories = 15;
    private const int EventsPerInventory = 6;

    [Fact]
    public async Task Each_view_costs_at_most_two_requests_per_inventory_of_a_batch()
    {
        await using var stack = await LocalStack.StartAsync(settings: new Dictionary<string, string?> { ["DevHost:ChangeFeed"] = "false" });
        var random = new Random(4);
        for (var i = 0; i < Inventories; i++)
        {
            var inventoryId = $"cost-{i}";
            await stack.Events.ImportAsync(inventoryId, Enumerable.Range(1, EventsPerInventory).Select(v =>
                new RecordedEvent(v, DateTimeOffset.UnixEpoch.AddDays(20_000).AddSeconds(v), new ItemAdded("item-" + random.Next(20), 1))));
        }

        var requests = new ViewRequestCounter();
        await using var app = await stack.StartAppAsync(new Dictionary<string, string?> { ["DevHost:ChangeFeed"] = "true" },
            services =>
            {
                services.AddHttpContextAccessor();
                services.AddSingleton<RequestHandler>(sp => requests.From(sp.GetRequiredService<IHttpContextAccessor>()));
            });
        using var http = app.CreateHttpClient();
        var expected = CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(stack.Events), 100);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !await DrainedAsync(http, expected))
            await Task.Delay(100);
        Assert.True(await DrainedAsync(http, expected), "the three views were not projected within 30 s");

        var counts = requests.ByView();
        output.WriteLine($"{Inventories} inventories x {EventsPerInventory} events, one change-feed page per function: "
            + string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value} requests ({(double)kv.Value / Inventories:0.00} per inventory)")));
        Assert.InRange(counts.GetValueOrDefault("inventory view"), 1, 2 * Inventories);
        Assert.InRange(counts.GetValueOrDefault("dwell time"), 1, 2 * Inventories);
        Assert.InRange(counts.GetValueOrDefault("global most-collected"), 1, 2 * Inventories);
    }

    private static async Task<bool> DrainedAsync(HttpClient http, IReadOnlyList<(string ItemId, long Collected)> expected)
    {
        for (var i = 0; i < Inventories; i++)
        {
            var view = await http.GetJsonAsync($"inventories/cost-{i}");
            var dwell = await http.GetJsonAsync($"inventories/cost-{i}/dwell-time");
            if (view.Status != System.Net.HttpStatusCode.OK || view.Body.GetProperty("version").GetInt64() < EventsPerInventory
                || dwell.Status != System.Net.HttpStatusCode.OK || dwell.Body.GetProperty("version").GetInt64() < EventsPerInventory)
                return false;
        }
        var board = await http.GetJsonAsync("most-collected?top=100");
        return board.Body.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64()))
            .SequenceEqual(expected);
    }

    /// <summary>Counts the app's background requests on the projections container by the view they serve.</summary>
    private sealed class ViewRequestCounter : RequestHandler
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();
        private IHttpContextAccessor? _http;

        public ViewRequestCounter From(IHttpContextAccessor http)
        {
            _http = http;
            return this;
        }

        public Dictionary<string, int> ByView() => new(_counts);

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri?.OriginalString ?? "";
            // The test's polling goes through the same client, inside HTTP requests: only the background is counted.
            if (uri.Contains("colls/projections", StringComparison.Ordinal) && _http?.HttpContext is null)
                _counts.AddOrUpdate(ViewOf(request, uri), 1, (_, n) => n + 1);
            return await base.SendAsync(request, cancellationToken);
        }

        private static string ViewOf(RequestMessage request, string uri)
        {
            // Point operations name the document in the URI or the body; queries and transactional batches are the global projector's.
            var id = uri.EndsWith("/docs", StringComparison.Ordinal) || uri.EndsWith("colls/projections", StringComparison.Ordinal)
                ? BodyId(request) : uri[(uri.LastIndexOf('/') + 1)..];
            return id switch
            {
                "view" => "inventory view",
                "dwell-time" => "dwell time",
                _ => "global most-collected",
            };
        }

        private static string? BodyId(RequestMessage request)
        {
            if (request.Content is not { CanSeek: true } content)
                return null;
            var position = content.Position;
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(content, default);
                return document.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null;
            }
            catch (System.Text.Json.JsonException)
            {
                return null; // a transactional batch (binary)
            }
            finally
            {
                content.Position = position;
            }
        }
    }
}
