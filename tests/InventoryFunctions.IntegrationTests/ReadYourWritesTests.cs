using System.Net;
using System.Net.Http.Headers;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// <c>minVersion</c> reads right after a write, with the projector stopped (so the view is certainly behind) and
/// running; <c>If-None-Match</c> answered with 304 and no body.
/// </summary>
public sealed class ReadYourWritesTests : IAsyncLifetime
{
    private OwnStack _ops = null!;

    public async Task InitializeAsync() => _ops = await OwnStack.StartAsync();

    public async Task DisposeAsync() => await _ops.DisposeAsync();

    private HttpClient Http => _ops.Http;

    private static string? ServedFrom(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Served-From", out var values) ? values.Single() : null;

    private async Task<(long Version, string ETag)> AddAsync(string inventoryId, string itemId, int quantity)
    {
        using var response = await Http.SendAsync(ApiRequests.AddItem(inventoryId, itemId, quantity));
        var reply = await ApiClient.ReadAsync(response);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return (reply.Body.GetProperty("version").GetInt64(), response.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task A_read_with_the_writes_version_sees_the_write_from_the_head_while_the_view_is_behind()
    {
        var inventoryId = LocalStack.NewInventoryId("ryw");
        await AddAsync(inventoryId, "sword", 2);
        var (version, etag) = await AddAsync(inventoryId, "shield", 1);

        using var plain = await Http.SendAsync(ApiRequests.GetInventory(inventoryId));
        using var fresh = await Http.GetAsync($"inventories/{inventoryId}?minVersion={version}");
        var body = (await ApiClient.ReadAsync(fresh)).Body;
        using var ahead = await Http.GetAsync($"inventories/{inventoryId}?minVersion={version + 1}");

        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode); // the projector is stopped: no view yet
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("head", ServedFrom(fresh));
        Assert.Equal(etag, fresh.Headers.ETag!.Tag);
        Assert.Equal(version, body.GetProperty("version").GetInt64());
        Assert.Equal(2, body.GetProperty("items").GetProperty("sword").GetInt32());
        Assert.Equal(1, body.GetProperty("items").GetProperty("shield").GetInt32());
        HistoryApi.AssertProblem(await ApiClient.ReadAsync(ahead), HttpStatusCode.NotFound, "version-not-found");
    }

    [Fact]
    public async Task Most_collected_with_the_writes_version_is_the_view_caught_up_from_the_log()
    {
        var inventoryId = LocalStack.NewInventoryId("ryw-top");
        await AddAsync(inventoryId, "sword", 1);
        await AddAsync(inventoryId, "shield", 3);
        var (version, _) = await AddAsync(inventoryId, "sword", 1);

        using var fresh = await Http.GetAsync($"inventories/{inventoryId}/most-collected?top=2&minVersion={version}");
        var body = (await ApiClient.ReadAsync(fresh)).Body;

        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("view+log", ServedFrom(fresh));
        Assert.Equal(version, body.GetProperty("version").GetInt64());
        Assert.Equal(["shield:3", "sword:2"],
            body.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("itemId").GetString()}:{i.GetProperty("collected").GetInt64()}"));
    }

    [Fact]
    public async Task Once_projected_the_view_answers_and_If_None_Match_with_its_ETag_is_304_without_a_body()
    {
        var inventoryId = LocalStack.NewInventoryId("etag");
        var (version, etag) = await AddAsync(inventoryId, "sword", 2);
        await _ops.StartProjectorAsync();
        await Http.WaitForViewAsync(inventoryId, version, TimeSpan.FromSeconds(10));

        using var fromView = await Http.GetAsync($"inventories/{inventoryId}?minVersion={version}");
        using var notModified = await SendAsync($"inventories/{inventoryId}", etag);
        using var topNotModified = await SendAsync($"inventories/{inventoryId}/most-collected", $"W/{etag}");
        using var headNotModified = await SendAsync($"inventories/{inventoryId}?minVersion={version}", "\"999\", " + etag);
        using var other = await SendAsync($"inventories/{inventoryId}", "\"999\"");

        Assert.Equal("view", ServedFrom(fromView));
        Assert.Equal(etag, fromView.Headers.ETag!.Tag);
        foreach (var response in new[] { notModified, topNotModified, headNotModified })
        {
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Equal(etag, response.Headers.ETag!.Tag);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Theory]
    [InlineData("minVersion=-1")]
    [InlineData("minVersion=abc")]
    [InlineData("minVersion=1&minVersion=2")]
    public async Task A_bad_minVersion_is_a_400_problem(string query)
    {
        var reply = await Http.GetJsonAsync($"inventories/some-inventory?{query}");
        var top = await Http.GetJsonAsync($"inventories/some-inventory/most-collected?{query}");

        HistoryApi.AssertProblem(reply, HttpStatusCode.BadRequest, "validation-failed");
        HistoryApi.AssertProblem(top, HttpStatusCode.BadRequest, "validation-failed");
    }

    private Task<HttpResponseMessage> SendAsync(string path, string ifNoneMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return Http.SendAsync(request);
    }
}
