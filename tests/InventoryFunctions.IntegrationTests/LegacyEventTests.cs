using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.Azure.Cosmos;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Documents of the first deployment (<c>{"type":"ITEM_ADDED","data":"sword","timestamp":"2026-05-01T12:00:00.123456"}</c>,
/// ids "1".."n", no head) in the events container, read through every path: the events API, the command path (head
/// rebuilt from the log), the projections and time travel. They are upcast on read and never rewritten; one that
/// cannot be decoded is reported with its id and changes no state.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class LegacyEventTests(LocalStackFixture stack)
{
    /// <summary>One unit each, naive timestamps (Python's isoformat, microseconds only when non-zero).</summary>
    private static readonly (string Type, string Item, string Timestamp)[] LegacyLog =
    [
        ("ITEM_ADDED", "sword", "2026-05-01T12:00:00.123456"),
        ("ITEM_ADDED", "sword", "2026-05-01T12:00:01"),
        ("ITEM_ADDED", "shield", "2026-05-01T12:00:02.5"),
        ("ITEM_REMOVED", "sword", "2026-05-01T12:00:03.000001"),
        ("ITEM_ADDED", "potion", "2026-05-01T12:00:04.999999"),
    ];

    /// <summary>What the codec should make of <see cref="LegacyLog"/>: quantity 1, the timestamp as UTC.</summary>
    private static List<RecordedEvent> Upcast(int count) =>
    [
        .. LegacyLog.Take(count).Select((e, i) => new RecordedEvent(
            i + 1,
            DateTimeOffset.Parse(e.Timestamp + "Z", System.Globalization.CultureInfo.InvariantCulture),
            e.Type == "ITEM_ADDED" ? new ItemAdded(e.Item, 1) : new ItemRemoved(e.Item, 1))),
    ];

    private static byte[] LegacyDocument(string inventoryId, long version, IReadOnlyDictionary<string, object?> fields)
    {
        var document = new Dictionary<string, object?>
        {
            ["id"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["inventoryId"] = inventoryId,
            ["version"] = version,
        };
        foreach (var (name, value) in fields)
        {
            if (value is null)
                document.Remove(name);
            else
                document[name] = value;
        }
        return JsonSerializer.SerializeToUtf8Bytes(document);
    }

    /// <summary>Writes the first <paramref name="count"/> legacy documents straight into the log; returns their etags.</summary>
    private async Task<Dictionary<string, string>> SeedLegacyAsync(string inventoryId, int count)
    {
        var documents = LegacyLog.Take(count).Select((e, i) => LegacyDocument(inventoryId, i + 1,
            new Dictionary<string, object?> { ["type"] = e.Type, ["data"] = e.Item, ["timestamp"] = e.Timestamp }));
        await stack.Events.WriteDocumentsAsync(inventoryId, [.. documents]);
        return await stack.Events.ETagsAsync(inventoryId, Enumerable.Range(1, count).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private async Task AssertNotRewrittenAsync(string inventoryId, Dictionary<string, string> etags) =>
        Assert.Equal(etags, await stack.Events.ETagsAsync(inventoryId, etags.Keys));

    // ---- Legacy only ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_events_API_upcasts_legacy_documents_to_current_events_of_one_unit_at_the_naive_time_as_UTC()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("legacy");
        var etags = await SeedLegacyAsync(inventoryId, 5);

        var page = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/events");

        Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
        var events = page.Body.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(Upcast(5), events.Select(ApiClient.ToRecordedEvent));
        Assert.Equal("2026-05-01T12:00:00.123456Z", events[0].GetProperty("occurredAt").GetString());
        Assert.Equal("ItemRemoved", events[3].GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, page.Body.GetProperty("nextFromVersion").ValueKind);
        await AssertNotRewrittenAsync(inventoryId, etags);
    }

    [Fact]
    public async Task Time_travel_and_the_projections_of_a_legacy_only_inventory_equal_the_fold_of_its_upcast_events()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("legacy");
        var etags = await SeedLegacyAsync(inventoryId, 5);
        var log = Upcast(5);

        for (var version = 0; version <= 5; version++)
            AssertState(FoldPrefix(log, version), await stack.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"atVersion={version}");
        foreach (var e in log)
        {
            AssertState(FoldPrefix(log, e.Version), await stack.Http.GetStateAsOfAsync(inventoryId, e.OccurredAt), inventoryId, $"asOf event {e.Version}");
            AssertState(FoldPrefix(log, e.Version - 1), await stack.Http.GetStateAsOfAsync(inventoryId, e.OccurredAt.AddTicks(-1)), inventoryId, $"just before event {e.Version}");
        }
        AssertProblem(await stack.Http.GetStateAtAsync(inventoryId, 6), HttpStatusCode.NotFound, "version-not-found");

        var view = await stack.Http.WaitForViewAsync(inventoryId, 5);
        Assert.Equal(5, view.GetProperty("version").GetInt64());
        Assert.Equal(Describe(FoldPrefix(log, 5).Items), Describe(ItemsOf(view.GetProperty("items"))));
        var mostCollected = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/most-collected?top=10");
        Assert.Equal(
            ["sword:2", "shield:1", "potion:1"],
            mostCollected.Body.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("itemId").GetString()}:{i.GetProperty("collected").GetInt64()}"));
        await AssertNotRewrittenAsync(inventoryId, etags);
    }

    [Fact]
    public async Task A_command_on_a_legacy_only_inventory_continues_its_version_sequence()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("legacy");
        var etags = await SeedLegacyAsync(inventoryId, 5);

        // Removing the one sword left (two added, one removed) needs the head rebuilt from the upcast log.
        var removed = await stack.Http.SendJsonAsync(HttpMethod.Delete, $"inventories/{inventoryId}/items/sword?quantity=1");
        var added = await stack.Http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/items", """{"itemId":"sword","quantity":3}""");

        Assert.True(removed.Status == HttpStatusCode.OK, removed.ToString());
        Assert.Equal(6, removed.Body.GetProperty("version").GetInt64());
        Assert.True(added.Status == HttpStatusCode.Created, added.ToString());
        Assert.Equal(7, added.Body.GetProperty("version").GetInt64());
        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.Equal(Upcast(5), log.Take(5));
        Assert.Equal([6L, 7L], log.Skip(5).Select(e => e.Version));
        Assert.Contains("head", await stack.Events.DocumentIdsAsync(inventoryId));
        AssertState(FoldPrefix(log, 7), await stack.Http.GetStateAtAsync(inventoryId, 7), inventoryId, "atVersion=7");
        Assert.Equal(Describe(FoldPrefix(log, 7).Items), Describe(ItemsOf((await stack.Http.WaitForViewAsync(inventoryId, 7)).GetProperty("items"))));
        // Removing more than held is refused against the upcast state, not the empty one a missing head would give.
        AssertProblem(await stack.Http.SendJsonAsync(HttpMethod.Delete, $"inventories/{inventoryId}/items/shield?quantity=2"), HttpStatusCode.Conflict, "insufficient-quantity");
        await AssertNotRewrittenAsync(inventoryId, etags);
    }

    // ---- Mixed ---------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_mixed_inventory_continues_at_version_4_and_reads_the_same_on_every_path()
    {
        // Legacy 1..3, then commands through an app with interval 10, so that snapshot-10 holds upcast state too.
        var inventoryId = LocalStackFixture.NewInventoryId("mixed");
        var etags = await SeedLegacyAsync(inventoryId, 3);
        await using var app = await AppInstance.StartAsync(stack, snapshotInterval: 10);

        var first = await app.Http.SendJsonAsync(HttpMethod.Delete, $"inventories/{inventoryId}/items/sword?quantity=2");
        Assert.True(first.Status == HttpStatusCode.OK, first.ToString());
        Assert.Equal(4, first.Body.GetProperty("version").GetInt64());
        for (var i = 0; i < 9; i++)
        {
            var reply = await app.Http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/items", $$"""{"itemId":"arrow","quantity":{{i + 1}}}""");
            Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        }

        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.Equal(Enumerable.Range(1, 13).Select(v => (long)v), log.Select(e => e.Version));
        Assert.Equal(Upcast(3), log.Take(3));
        Assert.All(log.Skip(3), e => Assert.True(e.OccurredAt > log[2].OccurredAt, $"event {e.Version} occurred at {e.OccurredAt:O}"));
        var (snapshot, _) = (await stack.Events.ReadDocumentAsync(SnapshotDocument.IdFor(10), inventoryId))!.Value;
        Assert.Equal(FoldPrefix(log, 10), SnapshotDocument.TryDecode(snapshot));

        for (var version = 0; version <= 13; version++)
        {
            AssertState(FoldPrefix(log, version), await app.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"K=10, atVersion={version}");
            AssertState(FoldPrefix(log, version), await stack.Http.GetStateAtAsync(inventoryId, version), inventoryId, $"K=100, atVersion={version}");
        }
        // The legacy timestamps are instants on the same time line as the new events.
        AssertState(FoldPrefix(log, 2), await app.Http.GetStateAsOfAsync(inventoryId, log[1].OccurredAt), inventoryId, "asOf the second legacy event");
        AssertState(FoldPrefix(log, 3), await app.Http.GetStateAsOfAsync(inventoryId, log[2].OccurredAt.AddHours(1)), inventoryId, "between legacy and new");
        AssertState(FoldPrefix(log, 13), await app.Http.GetStateAsOfAsync(inventoryId, log[12].OccurredAt), inventoryId, "asOf the last event");

        var view = await stack.Http.WaitForViewAsync(inventoryId, 13);
        Assert.Equal(Describe(FoldPrefix(log, 13).Items), Describe(ItemsOf(view.GetProperty("items"))));
        await AssertNotRewrittenAsync(inventoryId, etags);
    }

    // ---- Malformed -----------------------------------------------------------------------------------------------------

    public static TheoryData<string, string?, string?, string?> Malformations => new()
    {
        { "an unknown type", "ITEM_EXPLODED", "sword", "2026-05-01T12:00:01" },
        { "no data", "ITEM_ADDED", null, "2026-05-01T12:00:01" },
        { "a timestamp that is no time", "ITEM_ADDED", "sword", "yesterday" },
        { "no type", null, "sword", "2026-05-01T12:00:01" },
    };

    [Theory]
    [MemberData(nameof(Malformations))]
    public async Task A_malformed_legacy_document_is_reported_with_its_id_on_every_read_path_and_changes_no_state(
        string what, string? type, string? data, string? timestamp)
    {
        var inventoryId = LocalStackFixture.NewInventoryId("malformed");
        await stack.Events.WriteDocumentsAsync(inventoryId,
            LegacyDocument(inventoryId, 1, new Dictionary<string, object?> { ["type"] = "ITEM_ADDED", ["data"] = "sword", ["timestamp"] = "2026-05-01T12:00:00" }),
            LegacyDocument(inventoryId, 2, new Dictionary<string, object?> { ["type"] = type, ["data"] = data, ["timestamp"] = timestamp }),
            LegacyDocument(inventoryId, 3, new Dictionary<string, object?> { ["type"] = "ITEM_ADDED", ["data"] = "shield", ["timestamp"] = "2026-05-01T12:00:02" }));
        var etags = await stack.Events.ETagsAsync(inventoryId, ["1", "2", "3"]);

        // The events API: 500 naming the document, for any page that holds it.
        AssertCorrupt(await stack.Http.GetJsonAsync($"inventories/{inventoryId}/events"), what);
        var after = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/events?fromVersion=3");
        Assert.True(after.Status == HttpStatusCode.OK, after.ToString());

        // The command path: nothing can be decided past it, and nothing is written.
        AssertCorrupt(await stack.Http.SendJsonAsync(HttpMethod.Post, $"inventories/{inventoryId}/items", """{"itemId":"potion"}"""), what);
        Assert.Equal(["1", "2", "3"], await stack.Events.DocumentIdsAsync(inventoryId));

        // Time travel: up to the version before it, and a 500 from it on.
        AssertState(Inventory.Fold(InventoryState.Empty, [new ItemAdded("sword", 1)]), await stack.Http.GetStateAtAsync(inventoryId, 1), inventoryId, "atVersion=1");
        AssertCorrupt(await stack.Http.GetStateAtAsync(inventoryId, 2), what);
        AssertCorrupt(await stack.Http.GetStateAtAsync(inventoryId, 3), what);
        AssertCorrupt(await stack.Http.GetStateAsOfAsync(inventoryId, new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), what);

        // The projection: the version is skipped (counts from 1 and 3 only), recorded in the view, and sent to the poison queue.
        var view = await stack.Http.WaitForViewAsync(inventoryId, 3);
        Assert.Equal("{shield: 1, sword: 1}", Describe(ItemsOf(view.GetProperty("items"))));
        var (stored, _) = (await stack.Client.GetContainer(stack.Options.DatabaseName, stack.Options.ProjectionsContainerName)
            .ReadDocumentAsync("view", inventoryId))!.Value;
        Assert.Equal([2L], stored.GetProperty("skippedVersions").EnumerateArray().Select(v => v.GetInt64()));
        var poison = await FindPoisonMessageAsync(inventoryId);
        Assert.Equal("2", poison.GetProperty("documentId").GetString());
        Assert.Equal(2, poison.GetProperty("version").GetInt64());
        Assert.False(string.IsNullOrEmpty(poison.GetProperty("reason").GetString()));

        await AssertNotRewrittenAsync(inventoryId, etags);
    }

    private static void AssertCorrupt(JsonReply reply, string what)
    {
        var problem = AssertProblem(reply, HttpStatusCode.InternalServerError, "corrupt-event");
        Assert.True(problem.GetProperty("documentId").GetString() == "2", $"{what}: {reply}");
        Assert.Contains("'2'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The poison message about <paramref name="inventoryId"/>. Other tests' messages share the queue, so messages are
    /// received (hidden for a second, not deleted) rather than peeked, which only sees the first 32.
    /// </summary>
    private async Task<JsonElement> FindPoisonMessageAsync(string inventoryId)
    {
        var queue = new QueueClient(stack.Azurite.ConnectionString, "projection-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        return await Eventually.UntilAsync($"a poison message for {inventoryId}", async () =>
            (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1))).Value
                .Select(message => message.Body.ToObjectFromJson<JsonElement>())
                .FirstOrDefault(body => body.TryGetProperty("partitionKey", out var partitionKey) && partitionKey.GetString() == inventoryId),
            body => body.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));
    }
}
