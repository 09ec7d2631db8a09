using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Xunit.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Time travel (<c>GET /api/inventories/{id}/state?atVersion=N | ?asOf=instant</c>) and the snapshots it starts from,
/// against the local stack: every answer is compared with folding the prefix of the log read through <c>GET /events</c>.
/// App instances with their own snapshot interval (and, to count requests, without the change feed) run beside the
/// stack's own app (interval 100).
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class HistoryTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Items = ["sword", "shield", "potion", "arrow", "gem.stone"];

    // ---- Time travel by version ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Time_travel_at_every_version_of_a_generated_history_equals_folding_the_log_prefix()
    {
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval: 10);
        var inventoryId = await GenerateHistoryAsync(app.Http, seed: 5, minEvents: 60);
        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.True(log.Count >= 60);

        for (var version = 0; version <= log.Count; version++)
        {
            var expected = FoldPrefix(log, version);
            // From the snapshots every 10 events, and through the stack's app (interval 100: from the start).
            AssertState(expected, await app.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"K=10, atVersion={version}");
            AssertState(expected, await stack.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"K=100, atVersion={version}");
        }

        // By instant: commands were decided one after another, so the log's instants only go up.
        Assert.True(log.Zip(log.Skip(1)).All(p => p.First.OccurredAt <= p.Second.OccurredAt));
        foreach (var instant in log.Select(e => e.OccurredAt).Distinct())
        {
            var expected = FoldPrefix(log, log.Last(e => e.OccurredAt <= instant).Version);
            var reply = await app.Http.GetStateAsOfAsync(inventoryId, instant);
            AssertState(expected, reply, inventoryId, $"asOf={EventCodec.FormatOccurredAt(instant)}");
            Assert.Equal(instant, reply.Body.GetProperty("asOf").GetDateTimeOffset());
        }
    }

    [Fact]
    public async Task Version_zero_is_the_empty_state_of_an_inventory_that_exists()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("hist");
        await stack.Events.ImportAsync(inventoryId, [new RecordedEvent(1, T0, new ItemAdded("sword", 2))]);

        var reply = await stack.Http.GetStateAtAsync(inventoryId, 0);

        AssertState(InventoryState.Empty, reply, inventoryId, "atVersion=0");
        Assert.Equal(JsonValueKind.Object, reply.Body.GetProperty("items").ValueKind);
        Assert.False(reply.Body.TryGetProperty("asOf", out _), "asOf is echoed only when asked by instant");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public async Task A_version_beyond_the_current_one_is_404_version_not_found_with_the_current_version(int snapshotInterval)
    {
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval);
        var inventoryId = LocalStackFixture.NewInventoryId("hist");
        using (var write = await app.Http.PostAsync($"inventories/{inventoryId}/events", Json(Batch(25, new Random(1)))))
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);

        foreach (var version in new long[] { 26, 30, 31, 1_000, long.MaxValue })
        {
            var problem = AssertProblem(await app.Http.GetStateAtAsync(inventoryId, version), HttpStatusCode.NotFound, "version-not-found");
            Assert.Equal(25, problem.GetProperty("currentVersion").GetInt64());
        }
        AssertState(FoldPrefix(await app.Http.ReadLogAsync(inventoryId), 25), await app.Http.GetStateAtAsync(inventoryId, 25), inventoryId, "atVersion=25");
    }

    [Theory]
    [InlineData("atVersion=0")]
    [InlineData("atVersion=3")]
    [InlineData("atVersion=250")]
    [InlineData("asOf=2026-05-01T12%3A00%3A00Z")]
    public async Task An_unknown_inventory_is_404_inventory_not_found(string query)
    {
        var reply = await stack.Http.GetStateAsync(LocalStackFixture.NewInventoryId("nobody"), query);

        AssertProblem(reply, HttpStatusCode.NotFound, "inventory-not-found");
    }

    [Theory]
    [InlineData("", "query")]
    [InlineData("atVersion=1&asOf=2026-05-01T12%3A00%3A00Z", "query")]
    [InlineData("version=1", "query")]
    public async Task Giving_neither_or_both_of_atVersion_and_asOf_is_400(string query, string field)
    {
        var reply = await stack.Http.GetStateAsync(LocalStackFixture.NewInventoryId("hist"), query);

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), reply.ToString());
    }

    [Theory]
    [InlineData("atVersion=x", "atVersion")]
    [InlineData("atVersion=-1", "atVersion")]
    [InlineData("atVersion=1.5", "atVersion")]
    [InlineData("atVersion=", "atVersion")]
    [InlineData("atVersion=%2B1", "atVersion")]
    [InlineData("atVersion=1e3", "atVersion")]
    [InlineData("atVersion=99999999999999999999", "atVersion")]
    [InlineData("atVersion=1&atVersion=2", "atVersion")]
    [InlineData("asOf=yesterday", "asOf")]
    [InlineData("asOf=2026-05-01T12%3A00%3A00", "asOf")]
    [InlineData("asOf=2026-05-01T12%3A00%3A00.123456", "asOf")]
    [InlineData("asOf=2026-05-01", "asOf")]
    [InlineData("asOf=", "asOf")]
    [InlineData("asOf=2026-13-01T12%3A00%3A00Z", "asOf")]
    [InlineData("asOf=01%2F05%2F2026%2012%3A00%3A00%20%2B02%3A00", "asOf")] // not ISO 8601: would be read as 5 January
    [InlineData("asOf=May%201%2C%202026%2012%3A00%3A00%20-05%3A00", "asOf")]
    [InlineData("asOf=2026-05-01%2012%3A00%3A00Z", "asOf")] // a space for the T
    [InlineData("asOf=2026-05-01T12%3A00%3A00+02%3A00", "asOf")] // a '+' sent unescaped arrives as a space: not an instant
    [InlineData("asOf=2026-05-01T12%3A00%3A00Z&asOf=2026-05-02T12%3A00%3A00Z", "asOf")]
    public async Task A_malformed_atVersion_or_asOf_is_400_problem(string query, string field)
    {
        var inventoryId = LocalStackFixture.NewInventoryId("hist");
        await stack.Events.ImportAsync(inventoryId, [new RecordedEvent(1, T0, new ItemAdded("sword", 1))]);

        var reply = await stack.Http.GetStateAsync(inventoryId, query);

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), reply.ToString());
    }

    [Fact]
    public async Task A_malformed_inventory_id_is_400()
    {
        var reply = await stack.Http.GetStateAsync("bad%20id!", "atVersion=1");

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("inventoryId", out _), reply.ToString());
    }

    // ---- Time travel by instant ----------------------------------------------------------------------------------------

    /// <summary>Events at chosen instants: v1 at T, v2 and v3 both at T+1 s, v4 one tick later, v5 at T+1 h.</summary>
    private static readonly DateTimeOffset T = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

    private static RecordedEvent[] BoundaryLog() =>
    [
        new(1, T, new ItemAdded("sword", 2)),
        new(2, T.AddSeconds(1), new ItemAdded("shield", 1)),
        new(3, T.AddSeconds(1), new ItemRemoved("sword", 1)),
        new(4, T.AddSeconds(1).AddTicks(1), new ItemAdded("potion", 3)),
        new(5, T.AddHours(1), new ItemRemoved("potion", 1)),
    ];

    [Theory]
    [InlineData("2026-04-30T00:00:00Z", 0)] // long before the first event
    [InlineData("2026-05-01T12:00:00.1234566Z", 0)] // one tick before the first
    [InlineData("2026-05-01T12:00:00.1234567Z", 1)] // exactly at the first: included
    [InlineData("2026-05-01T12:00:00.5Z", 1)] // between two events
    [InlineData("2026-05-01T12:00:01.1234567Z", 3)] // two events at the same instant: both included
    [InlineData("2026-05-01T12:00:01.1234568Z", 4)] // one tick later
    [InlineData("2026-05-01T14:30:00+02:00", 4)] // 12:30 UTC, with an offset
    [InlineData("2026-05-01T07:30:00-05:00", 4)] // 12:30 UTC, a negative offset
    [InlineData("2026-05-01T13:00:00.1234567Z", 5)] // exactly at the last
    [InlineData("2030-01-01T00:00:00Z", 5)] // after the last
    [InlineData("2026-05-01t12:00:00.5z", 1)] // RFC 3339 allows lower case
    public async Task AsOf_includes_every_event_at_or_before_the_instant_and_echoes_it(string asOf, int expectedVersion)
    {
        var inventoryId = LocalStackFixture.NewInventoryId("asof");
        var log = BoundaryLog();
        await stack.Events.ImportAsync(inventoryId, log);

        var reply = await stack.Http.GetStateAsync(inventoryId, "asOf=" + Uri.EscapeDataString(asOf));

        AssertState(FoldPrefix(log, expectedVersion), reply, inventoryId, $"asOf={asOf}");
        var echoed = reply.Body.GetProperty("asOf").GetString()!;
        Assert.EndsWith("Z", echoed, StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.Parse(asOf, CultureInfo.InvariantCulture), DateTimeOffset.Parse(echoed, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AsOf_from_the_latest_snapshot_taken_at_or_before_the_instant_equals_folding_the_log()
    {
        // 25 events a second apart and the snapshots an interval of 10 leaves (at 10 and 20), written directly so that
        // every instant is known; then every instant, and the half-second after it, through an app with interval 10.
        var inventoryId = LocalStackFixture.NewInventoryId("asof");
        var random = new Random(25);
        var log = Enumerable.Range(1, 25)
            .Select(v => new RecordedEvent(v, T0.AddSeconds(v), v % 4 == 0 ? new ItemRemoved("arrow", 1) : new ItemAdded("arrow", random.Next(1, 4))))
            .ToList();
        await stack.Events.ImportAsync(inventoryId, log);
        foreach (var version in new[] { 10, 20 })
            await stack.Events.WriteDocumentsAsync(inventoryId, SnapshotDocument.Encode(inventoryId, FoldPrefix(log, version), log[version - 1].OccurredAt));
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval: 10);

        AssertState(InventoryState.Empty, await app.Http.GetStateAsOfAsync(inventoryId, T0), inventoryId, "before the first event");
        foreach (var e in log)
        {
            AssertState(FoldPrefix(log, e.Version), await app.Http.GetStateAsOfAsync(inventoryId, e.OccurredAt), inventoryId, $"at event {e.Version}");
            AssertState(FoldPrefix(log, e.Version), await app.Http.GetStateAsOfAsync(inventoryId, e.OccurredAt.AddMilliseconds(500)), inventoryId, $"after event {e.Version}");
        }
    }

    [Fact]
    public async Task AsOf_does_not_depend_on_which_snapshots_exist_even_when_instants_go_back_in_the_log()
    {
        // Instants can go back within a log: legacy timestamps were local times read as UTC, instances' clocks differ.
        // Here event 15 is the latest of all. The same log with and without snapshots must answer alike.
        var log = Enumerable.Range(1, 20)
            .Select(v => new RecordedEvent(v, T0.AddSeconds(v == 15 ? 100 : v), new ItemAdded("arrow", 1)))
            .ToList();
        var withSnapshots = LocalStackFixture.NewInventoryId("asof");
        var withoutSnapshots = LocalStackFixture.NewInventoryId("asof");
        await stack.Events.ImportAsync(withSnapshots, log);
        await stack.Events.ImportAsync(withoutSnapshots, log);
        foreach (var version in new[] { 10, 20 })
            await stack.Events.WriteDocumentsAsync(withSnapshots, SnapshotDocument.Encode(withSnapshots, FoldPrefix(log, version), log.Take(version).Max(e => e.OccurredAt)));

        foreach (var instant in new[] { T0.AddSeconds(12), T0.AddSeconds(50), T0.AddSeconds(200) })
        {
            var with = await stack.Http.GetStateAsOfAsync(withSnapshots, instant);
            var without = await stack.Http.GetStateAsOfAsync(withoutSnapshots, instant);
            Assert.Equal(without.Body.GetProperty("version").GetInt64(), with.Body.GetProperty("version").GetInt64());
        }
    }

    // ---- Snapshots -----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Snapshots_are_stored_at_every_multiple_of_the_interval_with_the_append_and_never_updated()
    {
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval: 10);
        var inventoryId = LocalStackFixture.NewInventoryId("snap");
        var random = new Random(36);
        for (var i = 0; i < 3; i++)
        {
            using var write = await app.Http.PostAsync($"inventories/{inventoryId}/events", Json(Batch(12, random)));
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        }

        var log = await app.Http.ReadLogAsync(inventoryId);
        var snapshots = (await stack.Events.DocumentIdsAsync(inventoryId)).Where(id => id.StartsWith("snapshot-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["snapshot-10", "snapshot-20", "snapshot-30"], snapshots);
        foreach (var version in new[] { 10, 20, 30 })
        {
            var (document, _) = (await stack.Events.ReadDocumentAsync(SnapshotDocument.IdFor(version), inventoryId))!.Value;
            Assert.Equal(FoldPrefix(log, version), SnapshotDocument.TryDecode(document));
            Assert.Equal(log[version - 1].OccurredAt, document.GetProperty("occurredAt").GetDateTimeOffset());
        }
        var etags = await stack.Events.ETagsAsync(inventoryId, snapshots);

        // A refused batch that would have crossed 40 writes no snapshot; an accepted one does, and leaves the others alone.
        var refused = Batch(9, random).Append(new { type = "ItemRemoved", itemId = "never-held", quantity = 1 });
        using (var write = await app.Http.PostAsync($"inventories/{inventoryId}/events", Json(refused)))
            Assert.Equal(HttpStatusCode.Conflict, write.StatusCode);
        Assert.DoesNotContain("snapshot-40", await stack.Events.DocumentIdsAsync(inventoryId));
        using (var write = await app.Http.PostAsync($"inventories/{inventoryId}/events", Json(Batch(10, random))))
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);

        Assert.Equal(etags, await stack.Events.ETagsAsync(inventoryId, snapshots));
        var (snapshot40, _) = (await stack.Events.ReadDocumentAsync("snapshot-40", inventoryId))!.Value;
        Assert.Equal(FoldPrefix(await app.Http.ReadLogAsync(inventoryId), 40), SnapshotDocument.TryDecode(snapshot40));
    }

    // ---- A long history: 1,050 events, snapshots every 10 --------------------------------------------------------------

    [Fact]
    public async Task A_read_at_version_1005_with_interval_10_is_one_point_read_and_one_query_replaying_at_most_9_events()
    {
        var (inventoryId, log) = await LongHistoryAsync();
        await using var app = await AppInstance.StartAsync(stack, 10);
        var wire = app.Wire;
        await app.Http.GetStateAtAsync(inventoryId, 995); // the client's first request also reads account and container metadata

        output.WriteLine("version  requests  events replayed  (interval 10, log of 1,050)");
        foreach (var version in new long[] { 9, 10, 500, 999, 1000, 1005, 1009, 1050 })
        {
            wire.Reset();
            var reply = await app.Http.GetStateAtAsync(inventoryId, version);
            output.WriteLine($"{version,7}  {wire.DataRequests.Count,8}  {ItemsReturned(wire),15}   {string.Join(" | ", wire.DataRequests)}");

            AssertState(FoldPrefix(log, version), reply, inventoryId, $"atVersion={version}");
            var pointReads = wire.DataRequests.Count(r => r.Operation == "Read");
            // Below the first snapshot there is nothing to read: the query starts at the beginning.
            Assert.Equal(version < 10 ? 0 : 1, pointReads);
            Assert.Equal(pointReads + 1, wire.DataRequests.Count);
            Assert.True(ItemsReturned(wire) <= 9, $"replayed {ItemsReturned(wire)} events");
            Assert.Equal(version % 10, ItemsReturned(wire));
            if (version == 1005)
                Assert.EndsWith("/docs/snapshot-1000", wire.DataRequests.Single(r => r.Operation == "Read").Path, StringComparison.Ordinal);
        }

        // By instant: the snapshot query, then events in pages of the interval until one is later than the instant (each
        // batch of 50 shares one instant). On Cosmos DB that is one page here; the dev server does not send the
        // x-ms-cosmos-query-requiresdistribution: false that lets the SDK go on with a direct (ODE) query after a first
        // page that has a continuation, so the SDK asks for a query plan and starts that query again: two requests more.
        foreach (var batch in new[] { 1, 20, 21 })
        {
            var instant = log[(batch * 50) - 1].OccurredAt;
            wire.Reset();
            var reply = await app.Http.GetStateAsOfAsync(inventoryId, instant);
            output.WriteLine($"asOf end of batch {batch}: {wire.DataRequests.Count} requests, {ItemsReturned(wire)} documents read ({string.Join(" + ", Pages(wire))}): {string.Join(" | ", wire.DataRequests)}");
            AssertState(FoldPrefix(log, batch * 50), reply, inventoryId, $"asOf batch {batch}");
            Assert.InRange(wire.DataRequests.Count, 2, 4);
            Assert.True(Pages(wire).Skip(1).All(page => page <= 10), "event pages are at most one interval long");
        }
    }

    [Fact]
    public async Task A_missing_snapshot_costs_one_more_query_but_never_a_wrong_answer()
    {
        var (inventoryId, log) = await LongHistoryAsync();
        await using var app = await AppInstance.StartAsync(stack, 10);
        var wire = app.Wire;
        await app.Http.GetStateAtAsync(inventoryId, 995);

        var original = (await stack.Events.ReadDocumentAsync("snapshot-1000", inventoryId))!.Value.Document;
        (await stack.Events.DeleteItemStreamAsync("snapshot-1000", new PartitionKey(inventoryId))).Dispose();
        try
        {
            wire.Reset();
            var reply = await app.Http.GetStateAtAsync(inventoryId, 1005);
            output.WriteLine($"snapshot-1000 deleted, atVersion=1005: {wire.DataRequests.Count} requests, {ItemsReturned(wire)} documents read: {string.Join(" | ", wire.DataRequests)}");

            AssertState(FoldPrefix(log, 1005), reply, inventoryId, "atVersion=1005 without snapshot-1000");
            Assert.Equal(3, wire.DataRequests.Count); // the point read (404), the query for the latest snapshot below, the events after it
            Assert.Equal(1 + 15, ItemsReturned(wire)); // snapshot-990, then events 991..1005
            AssertState(FoldPrefix(log, 1000), await app.Http.GetStateAtAsync(inventoryId, 1000), inventoryId, "atVersion=1000 without snapshot-1000");
        }
        finally
        {
            await stack.Events.WriteDocumentsAsync(inventoryId, JsonSerializer.SerializeToUtf8Bytes(original));
        }
    }

    [Theory]
    [InlineData("\"garbage\"")] // not a state at all: the query below skips it
    [InlineData("{\"version\":1000,\"items\":{\"sword\":-3}}")] // the right version, an impossible state
    [InlineData("{\"version\":1000}")]
    public async Task An_unreadable_snapshot_is_ignored(string state)
    {
        var (inventoryId, log) = await LongHistoryAsync();
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval: 10);
        var original = (await stack.Events.ReadDocumentAsync("snapshot-1000", inventoryId))!.Value.Document;
        var garbage = $"{{\"id\":\"snapshot-1000\",\"inventoryId\":\"{inventoryId}\",\"kind\":\"snapshot\",\"state\":{state},\"occurredAt\":\"{EventCodec.FormatOccurredAt(log[999].OccurredAt)}\"}}";
        (await stack.Events.UpsertItemStreamAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(garbage)), new PartitionKey(inventoryId))).Dispose();
        try
        {
            foreach (var version in new long[] { 1000, 1005, 1050 })
                AssertState(FoldPrefix(log, version), await app.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"atVersion={version} with snapshot-1000 = {state}");
            AssertState(FoldPrefix(log, 1000), await app.Http.GetStateAsOfAsync(inventoryId, log[999].OccurredAt), inventoryId, $"asOf with snapshot-1000 = {state}");
        }
        finally
        {
            (await stack.Events.UpsertItemStreamAsync(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(original)), new PartitionKey(inventoryId))).Dispose();
        }
    }

    [Fact]
    public async Task Changing_the_snapshot_interval_never_makes_an_answer_wrong()
    {
        // The log was written with interval 10; read it with 7 (most expected snapshots missing), 2 and 100.
        var (inventoryId, log) = await LongHistoryAsync();
        await using var seven = await AppInstance.StartAsync(stack, 7);
        var wire = seven.Wire;
        await using var two = await AppInstance.StartAsync(stack, 2);
        long[] versions = [0, 1, 6, 7, 9, 10, 11, 14, 99, 100, 693, 700, 999, 1000, 1001, 1004, 1005, 1049, 1050];

        foreach (var version in versions)
        {
            var expected = FoldPrefix(log, version);
            AssertState(expected, await seven.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"K=7, atVersion={version}");
            AssertState(expected, await two.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"K=2, atVersion={version}");
            AssertState(expected, await stack.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"K=100, atVersion={version}");
        }
        AssertProblem(await seven.Http.GetStateAtAsync(inventoryId, 1051), HttpStatusCode.NotFound, "version-not-found");

        wire.Reset();
        AssertState(FoldPrefix(log, 1005), await seven.Http.GetStateAtAsync(inventoryId, 1005), inventoryId, "K=7, atVersion=1005");
        output.WriteLine($"K=7 over a log written with K=10, atVersion=1005: {wire.DataRequests.Count} requests: {string.Join(" | ", wire.DataRequests)}");
        Assert.Equal(3, wire.DataRequests.Count); // snapshot-1001 is not there: one query finds snapshot-1000
    }

    // ---- Helpers -------------------------------------------------------------------------------------------------------

    /// <summary>Adds and removes chosen by a seeded random, sent as single commands and small batches; returns the inventory id.</summary>
    private static async Task<string> GenerateHistoryAsync(HttpClient http, int seed, int minEvents)
    {
        var random = new Random(seed);
        var inventoryId = LocalStackFixture.NewInventoryId("hist");
        var held = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long version = 0;
        while (version < minEvents)
        {
            var roll = random.NextDouble();
            var holdings = held.Where(kv => kv.Value > 0).Select(kv => kv.Key).ToList();
            JsonReply reply;
            if (roll < 0.45 || holdings.Count == 0)
            {
                var item = Items[random.Next(Items.Length)];
                var quantity = random.Next(1, 6);
                held[item] = held.GetValueOrDefault(item) + quantity;
                reply = await http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/items", JsonSerializer.Serialize(new { itemId = item, quantity }));
                Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
            }
            else if (roll < 0.8)
            {
                var item = holdings[random.Next(holdings.Count)];
                var quantity = random.Next(1, held[item] + 1);
                held[item] -= quantity;
                reply = await http.SendJsonAsync(HttpMethod.Delete, $"inventories/{inventoryId}/items/{item}?quantity={quantity}");
                Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            }
            else
            {
                reply = await http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/events",
                    JsonSerializer.Serialize(new { events = Batch(random.Next(2, 5), random, held) }));
                Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
            }
            version = reply.Body.GetProperty("version").GetInt64();
        }
        return inventoryId;
    }

    /// <summary>
    /// <paramref name="count"/> events valid in order against <paramref name="held"/> (updated): mostly adds, and removes
    /// of what is held.
    /// </summary>
    private static List<object> Batch(int count, Random random, SortedDictionary<string, int>? held = null)
    {
        held ??= new SortedDictionary<string, int>(StringComparer.Ordinal);
        var events = new List<object>(count);
        for (var i = 0; i < count; i++)
        {
            var holdings = held.Where(kv => kv.Value > 0).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            if (holdings.Count > 0 && random.NextDouble() < 0.3)
            {
                var item = holdings[random.Next(holdings.Count)];
                var quantity = random.Next(1, held[item] + 1);
                held[item] -= quantity;
                events.Add(new { type = EventTypes.ItemRemoved, itemId = item, quantity });
            }
            else
            {
                var item = Items[random.Next(Items.Length)];
                var quantity = random.Next(1, 4);
                held[item] = held.GetValueOrDefault(item) + quantity;
                events.Add(new { type = EventTypes.ItemAdded, itemId = item, quantity });
            }
        }
        return events;
    }

    private static StringContent Json(IEnumerable<object> events) =>
        new(JsonSerializer.Serialize(new { events }), System.Text.Encoding.UTF8, "application/json");

    private static readonly SemaphoreSlim LongHistoryGate = new(1, 1);
    private static (LocalStackFixture Stack, string InventoryId, List<RecordedEvent> Log)? s_longHistory;

    /// <summary>
    /// One inventory of 1,050 events (21 batches of 50) written through an app with interval 10, so that the app wrote
    /// its snapshots; built once per stack and shared by the tests that read it (any that change it put it back).
    /// </summary>
    private async Task<(string InventoryId, List<RecordedEvent> Log)> LongHistoryAsync()
    {
        await LongHistoryGate.WaitAsync();
        try
        {
            if (s_longHistory is { } built && ReferenceEquals(built.Stack, stack))
                return (built.InventoryId, built.Log);

            var started = System.Diagnostics.Stopwatch.StartNew();
            var inventoryId = LocalStackFixture.NewInventoryId("long");
            await using (var writer = await AppInstance.StartAsync(stack, snapshotInterval: 10))
            {
                var random = new Random(1005);
                var held = new SortedDictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < 21; i++)
                {
                    using var write = await writer.Http.PostAsync($"inventories/{inventoryId}/events", Json(Batch(50, random, held)));
                    Assert.Equal(HttpStatusCode.Created, write.StatusCode);
                }
            }
            var log = await stack.Http.ReadLogAsync(inventoryId);
            Assert.Equal(1050, log.Count);
            output.WriteLine($"Wrote a history of {log.Count} events in {started.ElapsedMilliseconds} ms");
            s_longHistory = (stack, inventoryId, log);
            return (inventoryId, log);
        }
        finally
        {
            LongHistoryGate.Release();
        }
    }

    /// <summary>The documents the queries answered with (<c>x-ms-item-count</c>) since the last reset.</summary>
    private static int ItemsReturned(CosmosRequestProxy wire) => Pages(wire).Sum();

    /// <summary>Documents per query page, in order.</summary>
    private static List<int> Pages(CosmosRequestProxy wire) => [.. wire.DataRequests.Where(r => r.ItemCount is not null).Select(r => r.ItemCount!.Value)];
}
