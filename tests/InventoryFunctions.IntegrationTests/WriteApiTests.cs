using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The write API over HTTP through the app's worker under the local Functions host, against the Cosmos dev server: every status code the API promises,
/// errors as problem+json whose type names the error, and "nothing written" checked by reading the log back.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class WriteApiTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private const string ProblemJson = "application/problem+json";

    // ---- Helpers ------------------------------------------------------------------------------------------------

    private static string Items(string inventoryId) => $"inventories/{inventoryId}/items";

    private static string Item(string inventoryId, string itemId, int? quantity = null) =>
        $"inventories/{inventoryId}/items/{Uri.EscapeDataString(itemId)}" + (quantity is null ? "" : $"?quantity={quantity}");

    private static string EventsOf(string inventoryId) => $"inventories/{inventoryId}/events";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null,
        string contentType = "application/json", string? ifMatch = null, string? idempotencyKey = null, HttpClient? client = null)
    {
        using var request = ApiRequests.Json(method, path, json, contentType);
        if (ifMatch is not null)
            Assert.True(request.Headers.TryAddWithoutValidation("If-Match", ifMatch));
        if (idempotencyKey is not null)
            Assert.True(request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey));
        return await (client ?? stack.Http).SendAsync(request);
    }

    private Task<HttpResponseMessage> AddAsync(string inventoryId, string json, string? ifMatch = null, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, Items(inventoryId), json, ifMatch: ifMatch, idempotencyKey: idempotencyKey);

    private Task<HttpResponseMessage> RemoveAsync(string inventoryId, string itemId, int? quantity = null, string? ifMatch = null, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Delete, Item(inventoryId, itemId, quantity), ifMatch: ifMatch, idempotencyKey: idempotencyKey);

    private Task<HttpResponseMessage> AppendAsync(string inventoryId, string json, string? ifMatch = null, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, EventsOf(inventoryId), json, ifMatch: ifMatch, idempotencyKey: idempotencyKey);

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the given status whose type URI ends in <paramref name="name"/>.</summary>
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string name)
    {
        var problem = await JsonAsync(response, status);
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("https://inventoryfunctions.dev/problems/" + name, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a 400 validation problem whose <c>errors</c> name exactly <paramref name="fields"/>.</summary>
    private static async Task<JsonElement> ValidationAsync(HttpResponseMessage response, params string[] fields)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, "validation-failed");
        var errors = problem.GetProperty("errors");
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var field in errors.EnumerateObject())
            Assert.False(string.IsNullOrWhiteSpace(field.Value[0].GetString()), $"No message for {field.Name}");
        return problem;
    }

    /// <summary>The whole log through GET events (paging), or empty when the inventory has none (404).</summary>
    private async Task<List<JsonElement>> LogAsync(string inventoryId)
    {
        var events = new List<JsonElement>();
        long? from = 1;
        while (from is not null)
        {
            using var response = await stack.Http.GetAsync($"{EventsOf(inventoryId)}?fromVersion={from}&limit=1000");
            if (response.StatusCode == HttpStatusCode.NotFound && from == 1)
                return events;
            var page = await JsonAsync(response, HttpStatusCode.OK);
            events.AddRange(page.GetProperty("events").EnumerateArray());
            from = page.GetProperty("nextFromVersion").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextFromVersion").GetInt64();
        }
        return events;
    }

    private async Task<string> InventoryWithAsync(params (string ItemId, int Quantity)[] items)
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        foreach (var (itemId, quantity) in items)
        {
            using var response = await AddAsync(inventoryId, $$"""{"itemId":"{{itemId}}","quantity":{{quantity}}}""");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        return inventoryId;
    }

    private static void AssertEvent(JsonElement e, long version, string type, string itemId, int quantity)
    {
        Assert.Equal(version, e.GetProperty("version").GetInt64());
        Assert.Equal(type, e.GetProperty("type").GetString());
        Assert.Equal(itemId, e.GetProperty("itemId").GetString());
        Assert.Equal(quantity, e.GetProperty("quantity").GetInt32());
        var occurredAt = e.GetProperty("occurredAt").GetString()!;
        Assert.EndsWith("Z", occurredAt, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(occurredAt, System.Globalization.CultureInfo.InvariantCulture, out var at), occurredAt);
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    // ---- 201 / 200 ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Adding_an_item_is_201_with_the_event_and_the_version_as_ETag()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await AddAsync(inventoryId, """{"itemId":"sword","quantity":2}""");

        var body = await JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(["inventoryId", "version", "events"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(inventoryId, body.GetProperty("inventoryId").GetString());
        Assert.Equal(1, body.GetProperty("version").GetInt64());
        var e = Assert.Single(body.GetProperty("events").EnumerateArray());
        Assert.Equal(["version", "type", "itemId", "quantity", "occurredAt", "actor"], e.EnumerateObject().Select(p => p.Name));
        AssertEvent(e, 1, "ItemAdded", "sword", 2);
        Assert.Equal("""{"kind":"server","id":"test-server","appId":null}""", e.GetProperty("actor").GetRawText());
        Assert.Equal(e.GetRawText(), Assert.Single(await LogAsync(inventoryId)).GetRawText());
    }

    [Fact]
    public async Task Adding_without_a_quantity_adds_one()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await AddAsync(inventoryId, """{"itemId":"épée du roi: v1.2_b-3"}""");

        var body = await JsonAsync(response, HttpStatusCode.Created);
        AssertEvent(body.GetProperty("events")[0], 1, "ItemAdded", "épée du roi: v1.2_b-3", 1);
    }

    [Fact]
    public async Task Removing_held_items_is_200_with_the_event()
    {
        var inventoryId = await InventoryWithAsync(("sword", 3));

        using var response = await RemoveAsync(inventoryId, "sword", quantity: 2);

        var body = await JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal(2, body.GetProperty("version").GetInt64());
        AssertEvent(Assert.Single(body.GetProperty("events").EnumerateArray()), 2, "ItemRemoved", "sword", 2);
    }

    [Fact]
    public async Task Removing_without_a_quantity_removes_one()
    {
        var inventoryId = await InventoryWithAsync(("long sword", 2));

        using var response = await RemoveAsync(inventoryId, "long sword");

        var body = await JsonAsync(response, HttpStatusCode.OK);
        AssertEvent(body.GetProperty("events")[0], 2, "ItemRemoved", "long sword", 1);
    }

    [Fact]
    public async Task Appending_a_batch_of_two_is_201_with_both_events_in_order()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await AppendAsync(inventoryId,
            """{"events":[{"type":"ItemAdded","itemId":"a","quantity":2},{"type":"ItemRemoved","itemId":"a","quantity":1}]}""");

        var body = await JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal(2, body.GetProperty("version").GetInt64());
        var events = body.GetProperty("events");
        Assert.Equal(2, events.GetArrayLength());
        AssertEvent(events[0], 1, "ItemAdded", "a", 2);
        AssertEvent(events[1], 2, "ItemRemoved", "a", 1);
        Assert.Equal(2, (await LogAsync(inventoryId)).Count);
    }

    // ---- 409 ----------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Removing_more_than_held_is_409_saying_how_many_are_held_and_writes_nothing()
    {
        var inventoryId = await InventoryWithAsync(("sword", 2));

        using var response = await RemoveAsync(inventoryId, "sword", quantity: 3);

        var problem = await ProblemAsync(response, HttpStatusCode.Conflict, "insufficient-quantity");
        Assert.Contains("2 held", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, problem.GetProperty("held").GetInt32());
        Assert.Equal(3, problem.GetProperty("requested").GetInt32());
        Assert.Equal("sword", problem.GetProperty("itemId").GetString());
        Assert.Equal([1L], (await LogAsync(inventoryId)).Select(e => e.GetProperty("version").GetInt64()));
    }

    [Fact]
    public async Task Removing_from_an_inventory_that_does_not_exist_is_409_with_none_held()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await RemoveAsync(inventoryId, "sword");

        var problem = await ProblemAsync(response, HttpStatusCode.Conflict, "insufficient-quantity");
        Assert.Equal(0, problem.GetProperty("held").GetInt32());
        Assert.Empty(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task A_batch_whose_second_event_would_go_negative_is_409_and_writes_none_of_it()
    {
        var inventoryId = await InventoryWithAsync(("a", 1));

        using var response = await AppendAsync(inventoryId,
            """{"events":[{"type":"ItemAdded","itemId":"b","quantity":1},{"type":"ItemRemoved","itemId":"a","quantity":2}]}""");

        var problem = await ProblemAsync(response, HttpStatusCode.Conflict, "insufficient-quantity");
        Assert.Equal(("a", 1), (problem.GetProperty("itemId").GetString(), problem.GetProperty("held").GetInt32()));
        var log = await LogAsync(inventoryId);
        var only = Assert.Single(log);
        Assert.Equal("a", only.GetProperty("itemId").GetString());
    }

    // ---- 412 ----------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task If_Match_with_the_current_version_appends()
    {
        var inventoryId = await InventoryWithAsync(("sword", 1));

        using var response = await AddAsync(inventoryId, """{"itemId":"sword"}""", ifMatch: "\"1\"");

        await JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task If_Match_with_another_version_is_412_on_every_write_and_writes_nothing()
    {
        var inventoryId = await InventoryWithAsync(("sword", 2), ("bow", 1));

        using var add = await AddAsync(inventoryId, """{"itemId":"sword"}""", ifMatch: "\"1\"");
        using var remove = await RemoveAsync(inventoryId, "sword", ifMatch: "\"3\"");
        using var append = await AppendAsync(inventoryId, """{"events":[{"type":"ItemAdded","itemId":"a"}]}""", ifMatch: "\"7\"");

        foreach (var (response, expected) in new[] { (add, 1), (remove, 3), (append, 7) })
        {
            var problem = await ProblemAsync(response, HttpStatusCode.PreconditionFailed, "version-mismatch");
            Assert.Equal(expected, problem.GetProperty("expectedVersion").GetInt64());
            Assert.Equal(2, problem.GetProperty("currentVersion").GetInt64());
            Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        }
        Assert.Equal(2, (await LogAsync(inventoryId)).Count);
    }

    [Fact]
    public async Task If_Match_0_on_an_existing_inventory_is_412()
    {
        var inventoryId = await InventoryWithAsync(("sword", 1));

        using var response = await AddAsync(inventoryId, """{"itemId":"sword"}""", ifMatch: "\"0\"");

        await ProblemAsync(response, HttpStatusCode.PreconditionFailed, "version-mismatch");
        Assert.Single(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task If_Match_0_on_a_new_inventory_creates_it()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await AddAsync(inventoryId, """{"itemId":"sword"}""", ifMatch: "\"0\"");

        await JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
    }

    // ---- Idempotency: replay and 422 --------------------------------------------------------------------------------

    [Fact]
    public async Task Repeating_an_add_with_its_Idempotency_Key_replays_the_answer_and_appends_nothing()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var key = "add-" + Guid.NewGuid();

        using var first = await AddAsync(inventoryId, """{"itemId":"sword","quantity":2}""", idempotencyKey: key);
        using var again = await AddAsync(inventoryId, """{"itemId":"sword","quantity":2}""", idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(["true"], again.Headers.GetValues("Idempotent-Replayed"));
        Assert.Equal(first.Headers.ETag, again.Headers.ETag);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Single(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task Repeating_a_remove_with_its_key_replays_200_even_once_the_items_are_gone()
    {
        var inventoryId = await InventoryWithAsync(("sword", 1));
        var key = "remove-" + Guid.NewGuid();

        using var first = await RemoveAsync(inventoryId, "sword", idempotencyKey: key);
        using var again = await RemoveAsync(inventoryId, "sword", idempotencyKey: key);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(["true"], again.Headers.GetValues("Idempotent-Replayed"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(2, (await LogAsync(inventoryId)).Count);
    }

    [Fact]
    public async Task Repeating_a_batch_with_its_key_replays_it_after_other_writes_without_advancing_the_version()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        const string batch = """{"events":[{"type":"ItemAdded","itemId":"a","quantity":2},{"type":"ItemRemoved","itemId":"a","quantity":1}]}""";
        var key = "batch-" + Guid.NewGuid();

        using var first = await AppendAsync(inventoryId, batch, ifMatch: "\"0\"", idempotencyKey: key);
        using (var other = await AddAsync(inventoryId, """{"itemId":"b"}"""))
            Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        using var again = await AppendAsync(inventoryId, batch, ifMatch: "\"0\"", idempotencyKey: key);

        var body = await JsonAsync(again, HttpStatusCode.Created);
        Assert.Equal(["true"], again.Headers.GetValues("Idempotent-Replayed"));
        Assert.Equal(2, body.GetProperty("version").GetInt64());
        Assert.Equal("\"2\"", again.Headers.ETag?.Tag);
        Assert.Equal(await first.Content.ReadAsStringAsync(), body.GetRawText());
        Assert.Equal(3, (await LogAsync(inventoryId)).Count);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422_and_writes_nothing()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var key = "reuse-" + Guid.NewGuid();
        using (var first = await AddAsync(inventoryId, """{"itemId":"sword","quantity":2}""", idempotencyKey: key))
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var otherBody = await AddAsync(inventoryId, """{"itemId":"sword","quantity":3}""", idempotencyKey: key);
        using var otherOperation = await RemoveAsync(inventoryId, "sword", quantity: 2, idempotencyKey: key);

        await ProblemAsync(otherBody, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        await ProblemAsync(otherOperation, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Single(await LogAsync(inventoryId));
    }

    // ---- 400: every bad field named, nothing written ------------------------------------------------------------------

    [Theory]
    [InlineData("""{"itemId":" sword"}""", "itemId")]
    [InlineData("""{"itemId":"sword "}""", "itemId")]
    [InlineData("""{"itemId":""}""", "itemId")]
    [InlineData("""{"itemId":"a/b"}""", "itemId")]
    [InlineData("""{"itemId":5}""", "itemId")]
    [InlineData("""{"itemId":null}""", "itemId")]
    [InlineData("""{"quantity":2}""", "itemId")]
    [InlineData("""{"itemId":"sword","quantity":0}""", "quantity")]
    [InlineData("""{"itemId":"sword","quantity":-1}""", "quantity")]
    [InlineData("""{"itemId":"sword","quantity":1000001}""", "quantity")]
    [InlineData("""{"itemId":"sword","quantity":"2"}""", "quantity")]
    [InlineData("""{"itemId":"sword","quantity":2.5}""", "quantity")]
    [InlineData("""{"itemId":"sword","quantity":null}""", "quantity")]
    [InlineData("""{"itemId":" sword","quantity":0}""", "itemId", "quantity")]
    [InlineData("""{"itemId":"sword",""", "body")]
    [InlineData("""not json""", "body")]
    [InlineData("", "body")]
    [InlineData("""["sword"]""", "body")]
    [InlineData("""{"itemId":"sword"} {}""", "body")]
    [InlineData("""{"itemId":"sword","qty":3}""", "qty")] // a typo must not add one silently
    [InlineData("""{"itemId":"a","itemId":"b"}""", "itemId")] // not "the last one wins"
    [InlineData("""{"itemId":"a","quantity":2,"quantity":3}""", "quantity")]
    public async Task A_bad_add_is_400_naming_every_bad_field_and_writes_nothing(string json, params string[] fields)
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await AddAsync(inventoryId, json);

        await ValidationAsync(response, fields);
        Assert.Empty(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task A_new_item_beyond_the_distinct_items_limit_is_409_naming_the_limit_and_writes_nothing()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        for (var first = 0; first < InventoryRules.MaxDistinctItemsHeld; first += InventoryRules.MaxEventsPerAppend)
        {
            var batch = JsonSerializer.Serialize(new
            {
                events = Enumerable.Range(first, InventoryRules.MaxEventsPerAppend).Select(i => new { type = "ItemAdded", itemId = $"item{i}", quantity = 1 }),
            });
            using var filled = await AppendAsync(inventoryId, batch);
            Assert.Equal(HttpStatusCode.Created, filled.StatusCode);
        }

        using var refused = await AddAsync(inventoryId, """{"itemId":"one-more"}""");
        using var moreOfAHeldOne = await AddAsync(inventoryId, """{"itemId":"item7"}""");

        var problem = await ProblemAsync(refused, HttpStatusCode.Conflict, "distinct-items-limit-exceeded");
        Assert.Equal("maxDistinctItemsHeld", problem.GetProperty("limit").GetString());
        Assert.Equal(InventoryRules.MaxDistinctItemsHeld, problem.GetProperty("max").GetInt32());
        Assert.Equal(HttpStatusCode.Created, moreOfAHeldOne.StatusCode);
        Assert.Equal(InventoryRules.MaxDistinctItemsHeld + 1, (await LogAsync(inventoryId)).Count);
    }

    [Theory]
    [InlineData("GET", "inventory/inv-1")]
    [InlineData("POST", "inventories/inv-1/items/sword/extra")]
    [InlineData("GET", "")]
    public async Task An_unknown_route_is_a_404_problem(string method, string path)
    {
        using var response = await SendAsync(new HttpMethod(method), path);

        await ProblemAsync(response, HttpStatusCode.NotFound, "route-not-found");
    }

    [Theory]
    [InlineData("PUT", "inventories/inv-1", "GET")]
    [InlineData("GET", "inventories/inv-1/items", "POST")]
    [InlineData("PATCH", "inventories/inv-1/events", "GET, POST")]
    public async Task A_known_route_asked_with_another_method_is_a_405_problem_with_Allow(string method, string path, string allow)
    {
        using var response = await SendAsync(new HttpMethod(method), path);

        await ProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task Invalid_UTF8_is_400_naming_its_byte_offset_and_writes_nothing()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        using var content = new ByteArrayContent([.. """{"itemId":"a"""u8, 0xC3, 0x28, .. "\"}"u8]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await stack.Http.PostAsync(Items(inventoryId), content);

        var problem = await ValidationAsync(response, "body");
        Assert.Contains("byte offset 12", problem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task An_item_id_of_101_characters_is_400_and_one_of_100_is_fine()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var tooLong = await AddAsync(inventoryId, $$"""{"itemId":"{{new string('x', 101)}}"}""");
        using var longest = await AddAsync(inventoryId, $$"""{"itemId":"{{new string('x', 100)}}"}""");

        await ValidationAsync(tooLong, "itemId");
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
    }

    [Fact]
    public async Task Every_bad_field_and_header_is_named_in_one_400()
    {
        using var response = await SendAsync(HttpMethod.Post, Items("bad.inventory"), """{"itemId":" sword","quantity":0}""",
            ifMatch: "3", idempotencyKey: new string('k', 101));

        await ValidationAsync(response, "inventoryId", "itemId", "quantity", "If-Match", "Idempotency-Key");
    }

    [Theory]
    [InlineData("bad.id")]
    [InlineData("has%20space")]
    [InlineData("caf%C3%A9")]
    [InlineData("x0123456789012345678901234567890123456789012345678901234567890123")] // 65 characters
    public async Task A_bad_inventory_id_is_400_on_every_endpoint(string inventoryId)
    {
        using var add = await AddAsync(inventoryId, """{"itemId":"sword"}""");
        using var remove = await RemoveAsync(inventoryId, "sword");
        using var append = await AppendAsync(inventoryId, """{"events":[{"type":"ItemAdded","itemId":"a"}]}""");
        using var read = await stack.Http.GetAsync(EventsOf(inventoryId));

        foreach (var response in new[] { add, remove, append, read })
            await ValidationAsync(response, "inventoryId");
    }

    [Fact]
    public async Task An_inventory_id_of_64_characters_is_fine()
    {
        var inventoryId = ("x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];

        using var response = await AddAsync(inventoryId, """{"itemId":"sword"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData(" sword", null, "itemId")]
    [InlineData("sword ", null, "itemId")]
    [InlineData("a#b", null, "itemId")]
    [InlineData("sword", "0", "quantity")]
    [InlineData("sword", "-1", "quantity")]
    [InlineData("sword", "1000001", "quantity")]
    [InlineData("sword", "2.5", "quantity")]
    [InlineData("sword", "two", "quantity")]
    [InlineData(" sword", "0", "itemId", "quantity")]
    public async Task A_bad_remove_is_400_naming_every_bad_field(string itemId, string? quantity, params string[] fields)
    {
        var inventoryId = await InventoryWithAsync(("sword", 5));

        using var response = await SendAsync(HttpMethod.Delete,
            $"inventories/{inventoryId}/items/{Uri.EscapeDataString(itemId)}" + (quantity is null ? "" : "?quantity=" + quantity));

        await ValidationAsync(response, fields);
        Assert.Single(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task A_remove_with_an_item_id_of_101_characters_is_400()
    {
        using var response = await RemoveAsync(LocalStackFixture.NewInventoryId(), new string('x', 101));

        await ValidationAsync(response, "itemId");
    }

    [Theory]
    [InlineData("""{"events":[{"type":"ItemStolen","itemId":"a","quantity":1}]}""", "events[0].type")]
    [InlineData("""{"events":[{"itemId":"a","quantity":1}]}""", "events[0].type")]
    [InlineData("""{"events":[{"type":"ItemAdded","itemId":"a"},{"type":"ItemAdded","itemId":" a","quantity":0}]}""", "events[1].itemId", "events[1].quantity")]
    [InlineData("""{"events":[{"type":"ITEM_ADDED","quantity":"1"},"oops"]}""", "events[0].type", "events[0].itemId", "events[0].quantity", "events[1]")]
    [InlineData("""{"events":[]}""", "events")]
    [InlineData("""{"events":{}}""", "events")]
    [InlineData("""{}""", "events")]
    [InlineData("""{"events":[""", "body")]
    [InlineData("""{"events":[{"type":"ItemAdded","itemId":"a","qty":3}]}""", "events[0].qty")]
    [InlineData("""{"events":[{"type":"ItemAdded","itemId":"a"}],"note":"x"}""", "note")]
    [InlineData("""{"events":[{"type":"ItemAdded","itemId":"a"},{"type":"ItemAdded","itemId":"a","itemId":"b"}]}""", "events[1].itemId")]
    public async Task A_bad_batch_is_400_naming_every_bad_field_and_writes_nothing(string json, params string[] fields)
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await AppendAsync(inventoryId, json);

        await ValidationAsync(response, fields);
        Assert.Empty(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task A_batch_of_51_events_is_400_and_one_of_50_is_appended()
    {
        static string Batch(int count) => JsonSerializer.Serialize(new
        {
            events = Enumerable.Range(0, count).Select(_ => new { type = "ItemAdded", itemId = "a", quantity = 1 }),
        });
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var tooMany = await AppendAsync(inventoryId, Batch(51));
        await ValidationAsync(tooMany, "events");
        Assert.Empty(await LogAsync(inventoryId));

        using var most = await AppendAsync(inventoryId, Batch(50));
        Assert.Equal(50, (await JsonAsync(most, HttpStatusCode.Created)).GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData("3")]
    [InlineData("\"abc\"")]
    [InlineData("\"-1\"")]
    [InlineData("\"\"")]
    [InlineData("*")]
    [InlineData("W/\"1\"")]
    [InlineData("\"1\", \"2\"")]
    public async Task A_bad_If_Match_is_400_and_writes_nothing(string ifMatch)
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await AddAsync(inventoryId, """{"itemId":"sword"}""", ifMatch: ifMatch);

        await ValidationAsync(response, "If-Match");
        Assert.Empty(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task An_Idempotency_Key_of_101_characters_is_400_and_one_of_100_is_fine()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var tooLong = await AddAsync(inventoryId, """{"itemId":"sword"}""", idempotencyKey: new string('k', 101));
        await ValidationAsync(tooLong, "Idempotency-Key");
        Assert.Empty(await LogAsync(inventoryId));

        using var longest = await AddAsync(inventoryId, """{"itemId":"sword"}""", idempotencyKey: "~ !" + new string('k', 97));
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
    }

    [Fact]
    public async Task A_non_ASCII_Idempotency_Key_is_400_and_writes_nothing()
    {
        // HttpClient refuses non-ASCII header values unless told how to encode them.
        using var utf8 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = stack.Http.BaseAddress,
        };
        utf8.DefaultRequestHeaders.Authorization = stack.Http.DefaultRequestHeaders.Authorization;
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await SendAsync(HttpMethod.Post, Items(inventoryId), """{"itemId":"sword"}""", idempotencyKey: "clé-1", client: utf8);

        await ValidationAsync(response, "Idempotency-Key");
        Assert.Empty(await LogAsync(inventoryId));
    }

    // ---- 413 / 415 ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_body_over_64_KiB_is_413_with_or_without_Content_Length()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        // Padded with whitespace: an unknown property would be refused on its own.
        var json = $$"""{"itemId":"sword"{{new string(' ', 64 * 1024)}}}""";
        var exactlyAtLimit = $$"""{"itemId":"sword"{{new string(' ', (64 * 1024) - 18)}}}""";
        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(exactlyAtLimit));

        using var sized = await AddAsync(inventoryId, json);
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, Items(inventoryId))
        {
            Content = new StreamContent(new ChunkedOnly(Encoding.UTF8.GetBytes(json))),
        };
        chunkedRequest.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var chunked = await stack.Http.SendAsync(chunkedRequest);

        await ProblemAsync(sized, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        await ProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        Assert.Empty(await LogAsync(inventoryId));
        using var atLimit = await AddAsync(inventoryId, exactlyAtLimit);
        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task A_body_that_is_not_JSON_is_415_and_writes_nothing(string? contentType)
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        using var request = new HttpRequestMessage(HttpMethod.Post, Items(inventoryId))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"itemId":"sword"}""")),
        };
        if (contentType is not null)
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var appendRequest = new HttpRequestMessage(HttpMethod.Post, EventsOf(inventoryId))
        {
            Content = new StringContent("""{"events":[{"type":"ItemAdded","itemId":"a"}]}""", Encoding.UTF8, "text/plain"),
        };

        using var response = await stack.Http.SendAsync(request);
        using var append = await stack.Http.SendAsync(appendRequest);

        await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        await ProblemAsync(append, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        Assert.Empty(await LogAsync(inventoryId));
    }

    [Fact]
    public async Task A_JSON_media_type_with_a_charset_or_a_json_suffix_is_accepted()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var charset = await SendAsync(HttpMethod.Post, Items(inventoryId), """{"itemId":"sword"}""", contentType: "application/json; charset=utf-8");
        using var suffix = await SendAsync(HttpMethod.Post, Items(inventoryId), """{"itemId":"sword"}""", contentType: "application/vnd.inventory+json");

        Assert.Equal(HttpStatusCode.Created, charset.StatusCode);
        Assert.Equal(HttpStatusCode.Created, suffix.StatusCode);
    }

    // ---- GET events -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_log_is_read_in_pages_in_version_order()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        using (var write = await AppendAsync(inventoryId, JsonSerializer.Serialize(new
        {
            events = Enumerable.Range(1, 5).Select(i => new { type = "ItemAdded", itemId = $"item-{i}", quantity = i }),
        })))
        {
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        }

        async Task<JsonElement> Page(string query)
        {
            using var response = await stack.Http.GetAsync(EventsOf(inventoryId) + query);
            return await JsonAsync(response, HttpStatusCode.OK);
        }
        static void AssertPage(JsonElement page, long[] versions, long? next)
        {
            Assert.Equal(versions, page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
            var actualNext = page.GetProperty("nextFromVersion");
            Assert.Equal(next, actualNext.ValueKind == JsonValueKind.Null ? null : actualNext.GetInt64());
        }

        var all = await Page("");
        var first = await Page("?limit=2");
        var second = await Page("?fromVersion=3&limit=2");
        var last = await Page("?fromVersion=5&limit=2");
        var past = await Page("?fromVersion=6");

        Assert.Equal(["inventoryId", "events", "nextFromVersion"], all.EnumerateObject().Select(p => p.Name));
        Assert.Equal(inventoryId, all.GetProperty("inventoryId").GetString());
        AssertPage(all, [1, 2, 3, 4, 5], null);
        AssertEvent(all.GetProperty("events")[3], 4, "ItemAdded", "item-4", 4);
        AssertPage(first, [1, 2], 3);
        AssertPage(second, [3, 4], 5);
        AssertPage(last, [5], null);
        AssertPage(past, [], null);
    }

    [Fact]
    public async Task The_log_of_an_unknown_inventory_is_404()
    {
        using var response = await stack.Http.GetAsync(EventsOf(LocalStackFixture.NewInventoryId()));
        using var later = await stack.Http.GetAsync(EventsOf(LocalStackFixture.NewInventoryId()) + "?fromVersion=5");

        await ProblemAsync(response, HttpStatusCode.NotFound, "inventory-not-found");
        await ProblemAsync(later, HttpStatusCode.NotFound, "inventory-not-found");
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?fromVersion=0", "fromVersion")]
    [InlineData("?fromVersion=-1&limit=0", "fromVersion", "limit")]
    public async Task A_bad_page_request_is_400_naming_every_bad_parameter(string query, params string[] fields)
    {
        using var response = await stack.Http.GetAsync(EventsOf(LocalStackFixture.NewInventoryId()) + query);

        await ValidationAsync(response, fields);
    }

    [Fact]
    public async Task A_limit_of_1000_is_accepted()
    {
        var inventoryId = await InventoryWithAsync(("sword", 1));

        using var response = await stack.Http.GetAsync(EventsOf(inventoryId) + "?limit=1000");

        Assert.Single((await JsonAsync(response, HttpStatusCode.OK)).GetProperty("events").EnumerateArray());
    }

    // ---- Cost through the app ---------------------------------------------------------------------------------------

    [Fact]
    public async Task Through_the_app_a_command_costs_two_round_trips_cold_and_one_warm()
    {
        // The wire also carries the app's change feed projector (leases, change feed reads, views); count only the
        // command path's requests: the inventory's round trips on the events container (head read, batch, log query).
        bool CommandPath(CosmosRequest request, string inventoryId) => request.Container == "events" && request.IsFor(inventoryId);
        using (var warmUp = await AddAsync(LocalStackFixture.NewInventoryId(), """{"itemId":"sword"}"""))
            Assert.Equal(HttpStatusCode.Created, warmUp.StatusCode);
        var inventoryId = LocalStackFixture.NewInventoryId();

        async Task<int> Measure(string what, Func<Task<HttpResponseMessage>> send)
        {
            stack.AppRequests.Reset();
            using var response = await send();
            Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode}");
            var requests = stack.AppRequests.Requests.Where(r => CommandPath(r, inventoryId)).ToList();
            output.WriteLine($"{what}: {requests.Count} round trips");
            foreach (var request in stack.AppRequests.Requests)
                output.WriteLine("    " + request);
            return requests.Count;
        }

        var cold = await Measure("POST items, new inventory", () => AddAsync(inventoryId, """{"itemId":"sword","quantity":2}"""));
        var warm = await Measure("POST items again", () => AddAsync(inventoryId, """{"itemId":"sword"}"""));
        var remove = await Measure("DELETE item", () => RemoveAsync(inventoryId, "sword"));

        Assert.Equal((2, 1, 1), (cold, warm, remove));
    }

    /// <summary>A stream of unknown length, so HttpClient sends it chunked, without Content-Length.</summary>
    private sealed class ChunkedOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
