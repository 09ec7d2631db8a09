using System.Net;
using System.Text;
using InventoryFunctions.Http.Auth;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.IntegrationTests;

/// <summary>Who caused each event, as the audit log and the replay show it, and an Idempotency-Key scoped to the principal.</summary>
[Collection(LocalStackGroup.Name)]
public sealed class ActorOnRecordTests(LocalStackFixture stack)
{
    [Fact]
    public async Task The_audit_log_and_the_replay_show_the_actor_of_each_event_and_old_events_as_unknown()
    {
        var app = stack.Stack.App;
        var inventoryId = LocalStackFixture.NewInventoryId("player");
        // An event written before actors were recorded (no actor property), then one by the player, one by a server.
        var legacy = $$"""{"id":"1","inventoryId":"{{inventoryId}}","version":1,"type":"ItemAdded","schemaVersion":2,"itemId":"old","quantity":1,"occurredAt":"2026-01-01T00:00:00.0000000Z"}""";
        using (var created = await stack.Events.CreateItemStreamAsync(new MemoryStream(Encoding.UTF8.GetBytes(legacy)), new PartitionKey(inventoryId)))
            Assert.True(created.IsSuccessStatusCode, created.ErrorMessage);
        using var player = await app.CreateHttpClientAsync(inventoryId);
        using var server = await app.CreateHttpClientAsync("shop-server", AppRoles.Server);
        using var support = await app.CreateHttpClientAsync("support-1", AppRoles.Support);
        Assert.Equal(HttpStatusCode.Created, (await player.AddItemAsync(inventoryId, "sword")).Status);
        Assert.Equal(HttpStatusCode.Created, (await server.AddItemAsync(inventoryId, "shield")).Status);

        var log = await support.GetJsonAsync($"inventories/{inventoryId}/events");
        var replay = await support.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion=1");

        string[] expected =
        [
            """{"kind":"unknown","id":null,"appId":null}""",
            $$"""{"kind":"player","id":"{{inventoryId}}","appId":null}""",
            """{"kind":"server","id":"shop-server","appId":null}""",
        ];
        Assert.Equal(expected, log.Body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("actor").GetRawText()));
        Assert.Equal(expected, replay.Body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("actor").GetRawText()));
    }

    [Fact]
    public async Task The_same_Idempotency_Key_from_two_principals_makes_two_requests()
    {
        var app = stack.Stack.App;
        var inventoryId = LocalStackFixture.NewInventoryId();
        using var first = await app.CreateHttpClientAsync("server-a", AppRoles.Server);
        using var second = await app.CreateHttpClientAsync("server-b", AppRoles.Server);

        using var a = await SendWithKeyAsync(first, inventoryId, "order-42");
        using var b = await SendWithKeyAsync(second, inventoryId, "order-42");
        using var again = await SendWithKeyAsync(first, inventoryId, "order-42");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (a.StatusCode, b.StatusCode));
        Assert.False(b.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(("\"1\"", "\"2\""), (a.Headers.ETag?.Tag, b.Headers.ETag?.Tag));
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal("\"1\"", again.Headers.ETag?.Tag);
        Assert.Equal(2, (await stack.Http.ReadLogAsync(inventoryId)).Count);
    }

    private static Task<HttpResponseMessage> SendWithKeyAsync(HttpClient http, string inventoryId, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"inventories/{inventoryId}/items")
        {
            Content = new StringContent("""{"itemId":"gem","quantity":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return http.SendAsync(request);
    }
}
