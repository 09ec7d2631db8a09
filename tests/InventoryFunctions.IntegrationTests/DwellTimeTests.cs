using System.Net;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The dwell-time projection (<c>GET /api/inventories/{id}/dwell-time</c>), kept by its own change-feed function,
/// compared with the unit-by-unit oracle computed from the log read through <c>GET /events</c>.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class DwellTimeTests(LocalStackFixture stack)
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Dwell_statistics_equal_the_oracle_over_imported_legacy_and_live_events()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("dwell");
        // Imported history with chosen instants, one going back (dwell clamped at 0).
        await stack.Events.ImportAsync(inventoryId, [
            new RecordedEvent(1, T0, new ItemAdded("sword", 3)),
            new RecordedEvent(2, T0.AddSeconds(10), new ItemAdded("shield", 1)),
            new RecordedEvent(3, T0.AddMinutes(5), new ItemRemoved("sword", 2)),
            new RecordedEvent(4, T0.AddHours(2), new ItemAdded("sword", 4)),
            new RecordedEvent(5, T0.AddHours(1), new ItemRemoved("shield", 1)),
        ]);
        // The first deployment's shape: quantity 1, the naive timestamp read as UTC.
        await stack.Events.WriteDocumentsAsync(inventoryId,
            Legacy(inventoryId, 6, "ITEM_REMOVED", "sword", "2026-05-01T15:00:00.5"),
            Legacy(inventoryId, 7, "ITEM_ADDED", "potion", "2026-05-01T15:30:00"),
            Legacy(inventoryId, 8, "ITEM_REMOVED", "sword", "2026-05-01T16:00:00"));
        // Live commands continue the sequence, stamped now.
        Assert.Equal(HttpStatusCode.Created, (await stack.Http.AddItemAsync(inventoryId, "potion", 2)).Status);
        Assert.Equal(HttpStatusCode.OK, (await stack.Http.RemoveItemAsync(inventoryId, "sword", 3)).Status);
        Assert.Equal(HttpStatusCode.OK, (await stack.Http.RemoveItemAsync(inventoryId, "potion", 2)).Status);

        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.Equal(11, log.Count);
        var reply = await WaitForDwellAsync(inventoryId, log.Count);
        AssertMatchesOracle(log, reply.Body);

        // A read is one point read of the root and one query of a page of its parts (an instance without the change
        // feed, so only the read is counted).
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval: 100);
        app.Wire.Reset();
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetJsonAsync($"inventories/{inventoryId}/dwell-time")).Status);
        Assert.Equal(["Read", "Query"], app.Wire.DataRequests.Select(r => r.Operation));
    }

    [Fact]
    public async Task Over_1200_distinct_items_dwell_time_pages_through_every_item_and_most_collected_equals_the_oracle()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("many");
        var imported = new List<RecordedEvent>();
        for (var group = 0; group < 24; group++)
        {
            var ids = Enumerable.Range(group * 50, 50).Select(i => $"item-{i:D5}").ToList();
            imported.AddRange(ids.Select((id, i) => new RecordedEvent(imported.Count + 1, T0.AddMinutes(group).AddSeconds(i), new ItemAdded(id, 1 + (i % 3)))));
            imported.AddRange(ids.Select((id, i) => new RecordedEvent(imported.Count + 1, T0.AddMinutes(group).AddSeconds(50 + i), new ItemRemoved(id, 1))));
        }
        await stack.Events.ImportAsync(inventoryId, imported);

        var first = await WaitForDwellAsync(inventoryId, imported.Count);
        // Each page's ages are measured at its own asOf.
        static IEnumerable<(JsonElement Item, DateTimeOffset AsOf)> Items(JsonElement page) =>
            page.GetProperty("items").EnumerateArray().Select(i => (i, page.GetProperty("asOf").GetDateTimeOffset()));
        var items = Items(first.Body).ToList();
        var pages = 1;
        for (var page = first.Body; page.TryGetProperty("nextPage", out var next); pages++)
        {
            page = (await stack.Http.GetJsonAsync($"inventories/{inventoryId}/dwell-time?page={next.GetInt32()}")).Body;
            items.AddRange(Items(page));
        }
        var (exact, all) = DwellOracle.Compute(imported);
        Assert.Equal(exact.Keys.Order(StringComparer.Ordinal), items.Select(i => i.Item.GetProperty("itemId").GetString()!).Order(StringComparer.Ordinal));
        foreach (var (item, asOf) in items)
            DwellAssert.Close(exact[item.GetProperty("itemId").GetString()!], Statistics(item, asOf), item.GetProperty("itemId").GetString()!, slack: 0);
        DwellAssert.Close(all, Statistics(first.Body.GetProperty("all"), first.Body.GetProperty("asOf").GetDateTimeOffset()), "all", slack: 0);
        Assert.InRange(pages, 2, 16);

        var oracle = CollectedOracle.MostCommon(imported.Select(e => (inventoryId, e)), 100);
        var top = (await stack.Http.GetJsonAsync($"inventories/{inventoryId}/most-collected?top=100&minVersion={imported.Count}")).Body;
        Assert.Equal(oracle, top.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64())));
    }

    [Fact]
    public async Task Dwell_statistics_equal_the_oracle_over_a_random_history_of_batches()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("dwell");
        var random = new Random(21);
        var held = new Dictionary<string, int>(StringComparer.Ordinal);
        var imported = new List<RecordedEvent>();
        var at = T0;
        for (var version = 1; version <= 240; version++)
        {
            at = at.AddSeconds(random.Next(10) == 0 ? -random.Next(0, 120) : random.Next(0, 7_200));
            var item = "item-" + random.Next(6);
            InventoryEvent e = held.GetValueOrDefault(item) > 0 && random.NextDouble() < 0.45
                ? new ItemRemoved(item, random.Next(1, held[item] + 1))
                : new ItemAdded(item, random.Next(1, 4));
            held[item] = held.GetValueOrDefault(item) + (e is ItemAdded ? e.Quantity : -e.Quantity);
            imported.Add(new RecordedEvent(version, at, e));
        }
        await stack.Events.ImportAsync(inventoryId, imported);

        var reply = await WaitForDwellAsync(inventoryId, imported.Count);
        AssertMatchesOracle(await stack.Http.ReadLogAsync(inventoryId), reply.Body);
    }

    [Fact]
    public async Task Unknown_inventory_is_404_and_a_bad_id_is_400()
    {
        AssertProblem(await stack.Http.GetJsonAsync($"inventories/{LocalStackFixture.NewInventoryId("dwell")}/dwell-time"), HttpStatusCode.NotFound, "inventory-not-found");
        AssertProblem(await stack.Http.GetJsonAsync("inventories/bad%20id/dwell-time"), HttpStatusCode.BadRequest, "validation-failed");
    }

    internal static void AssertMatchesOracle(IReadOnlyList<RecordedEvent> log, JsonElement body)
    {
        var (items, all) = DwellOracle.Compute(log);
        var asOf = body.GetProperty("asOf").GetDateTimeOffset();
        var answered = body.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("itemId").GetString()!, i => i);
        Assert.Equal(items.Keys.Order(StringComparer.Ordinal), answered.Keys.Order(StringComparer.Ordinal));
        foreach (var (itemId, exact) in items)
            DwellAssert.Close(exact, Statistics(answered[itemId], asOf), itemId, slack: 0);
        DwellAssert.Close(all, Statistics(body.GetProperty("all"), asOf), "all", slack: 0);
    }

    private static DwellStatistics Statistics(JsonElement s, DateTimeOffset asOf)
    {
        double? Number(string name) => s.GetProperty(name).ValueKind == JsonValueKind.Null ? null : s.GetProperty(name).GetDouble();
        DateTimeOffset? oldest = s.GetProperty("oldestHeldSince").ValueKind == JsonValueKind.Null ? null : s.GetProperty("oldestHeldSince").GetDateTimeOffset();
        // The age is measured at asOf.
        Assert.Equal(oldest is { } o ? Math.Max(0, (asOf - o).TotalSeconds) : null, Number("oldestHeldAgeSeconds")!, new ToleranceComparer(1e-6));
        return new DwellStatistics(s.GetProperty("removed").GetInt64(), Number("meanSeconds"), Number("medianSeconds"), Number("p90Seconds"),
            s.GetProperty("held").GetInt64(), oldest);
    }

    [Fact]
    public async Task A_dwell_time_read_carries_its_version_as_ETag_and_If_None_Match_with_it_is_304_without_a_body()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("dwell-etag");
        Assert.Equal(HttpStatusCode.Created, (await stack.Http.AddItemAsync(inventoryId, "sword", 2)).Status);
        var first = await WaitForDwellAsync(inventoryId, 1);
        var etag = first.Headers!.ETag!.Tag;

        using var request = new HttpRequestMessage(HttpMethod.Get, $"inventories/{inventoryId}/dwell-time");
        request.Headers.TryAddWithoutValidation("If-None-Match", $"W/{etag}");
        using var notModified = await stack.Http.SendAsync(request);

        Assert.Equal("\"1\"", etag);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag!.Tag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    private Task<JsonReply> WaitForDwellAsync(string inventoryId, long version) => stack.Http.WaitForDwellTimeAsync(inventoryId, version);

    private static byte[] Legacy(string inventoryId, long version, string type, string item, string timestamp) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
        new { id = version.ToString(System.Globalization.CultureInfo.InvariantCulture), inventoryId, version, type, data = item, timestamp }));

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double?>
    {
        public bool Equals(double? x, double? y) => x.HasValue == y.HasValue && (!x.HasValue || Math.Abs(x.Value - y!.Value) <= tolerance);

        public int GetHashCode(double? obj) => 0;
    }
}
