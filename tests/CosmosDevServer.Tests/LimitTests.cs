using System.Net;
using System.Text;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Newtonsoft.Json.Linq;

namespace CosmosDevServerTests;

/// <summary>
/// Azure Cosmos DB's item and batch limits, as the dev server enforces them (tools/devstack/cosmos/limits.js):
/// an item's JSON without system properties at most 2,097,151 bytes (413 beyond), a batch at most
/// 100 operations (400 beyond) and a body of 2,202,010 bytes (413 beyond). Nothing is written when refused.
/// </summary>
public sealed class LimitTests(CosmosDevServerFixture fixture) : IClassFixture<CosmosDevServerFixture>
{
    /// <summary>The largest item Cosmos DB stores: 2 MB less one byte (the SDK's MaxResourceSizeInBytes).</summary>
    private const int MaxItemBytes = (2 * 1024 * 1024) - 1;

    private static readonly PartitionKey Pk = new("p");

    [Fact]
    public async Task Item_of_exactly_the_limit_is_stored_and_one_byte_more_is_refused_with_413()
    {
        var container = await fixture.NewContainerAsync();

        using var atLimit = await container.CreateItemStreamAsync(ItemOfSize("at-limit", MaxItemBytes), Pk);
        using var overLimit = await container.CreateItemStreamAsync(ItemOfSize("over-limit", MaxItemBytes + 1), Pk);

        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overLimit.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("over-limit", Pk)).StatusCode);
        var stored = (await container.ReadItemAsync<JObject>("at-limit", Pk)).Resource;
        Assert.Equal(MaxItemBytes, WithoutSystemProperties(stored));
    }

    [Fact]
    public async Task Item_size_counts_UTF8_bytes_not_characters()
    {
        var container = await fixture.NewContainerAsync();
        var payload = new string('é', (MaxItemBytes / 2) - 20); // fewer characters than the limit, more bytes

        var e = await Assert.ThrowsAsync<CosmosException>(
            () => container.CreateItemAsync(new JObject { ["id"] = "a", ["pk"] = "p", ["payload"] = payload + payload[..30] }, Pk));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, e.StatusCode);
    }

    [Fact]
    public async Task Too_large_upsert_replace_and_patch_are_refused_and_keep_the_stored_version()
    {
        var container = await fixture.NewContainerAsync();
        var original = await container.CreateItemAsync(new JObject { ["id"] = "a", ["pk"] = "p", ["payload"] = "small" }, Pk);
        var tooLarge = new JObject { ["id"] = "a", ["pk"] = "p", ["payload"] = new string('x', MaxItemBytes) };

        var upsert = await Assert.ThrowsAsync<CosmosException>(() => container.UpsertItemAsync(tooLarge, Pk));
        var replace = await Assert.ThrowsAsync<CosmosException>(() => container.ReplaceItemAsync(tooLarge, "a", Pk));
        var patch = await Assert.ThrowsAsync<CosmosException>(() => container.PatchItemAsync<JObject>(
            "a", Pk, [PatchOperation.Set("/payload", new string('x', MaxItemBytes - 10))]));

        Assert.All([upsert, replace, patch], e => Assert.Equal(HttpStatusCode.RequestEntityTooLarge, e.StatusCode));
        var read = await container.ReadItemAsync<JObject>("a", Pk);
        Assert.Equal("small", (string?)read.Resource["payload"]);
        Assert.Equal(original.ETag, read.ETag);
    }

    [Fact]
    public async Task System_properties_a_client_sends_back_do_not_count_against_the_item()
    {
        var container = await fixture.NewContainerAsync();
        using (await container.CreateItemStreamAsync(ItemOfSize("a", MaxItemBytes), Pk))
        {
        }

        var read = (await container.ReadItemAsync<JObject>("a", Pk)).Resource; // carries _rid, _self, _etag, _ts
        var replaced = await container.ReplaceItemAsync(read, "a", Pk);

        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
    }

    [Fact]
    public async Task Batch_of_100_operations_is_accepted()
    {
        var container = await fixture.NewContainerAsync();
        var batch = container.CreateTransactionalBatch(Pk);
        for (var i = 0; i < 100; i++)
        {
            batch.CreateItem(new TestItem($"i{i}", "p", i));
        }

        using var response = await batch.ExecuteAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(100, response.Count);
    }

    [Theory]
    [InlineData(101, 1, HttpStatusCode.BadRequest)] // one operation too many
    [InlineData(3, 750_000, HttpStatusCode.RequestEntityTooLarge)] // a body over 2,202,010 bytes, each item well under 2 MB
    public async Task Batch_over_a_limit_is_refused_by_the_server_and_writes_nothing(int operations, int payloadLength, HttpStatusCode expected)
    {
        var container = await fixture.NewContainerAsync();
        var batch = container.CreateTransactionalBatch(Pk);
        for (var i = 0; i < operations; i++)
        {
            batch.CreateItem(new JObject { ["id"] = $"i{i}", ["pk"] = "p", ["payload"] = new string('x', payloadLength) });
        }

        var (status, requests) = await BatchRequestsAsync(container, batch);

        Assert.Equal(expected, status);
        Assert.Equal(1, requests); // the SDK sent it: the server refused it
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("i0", Pk)).StatusCode);
    }

    [Fact]
    public async Task Batch_operation_whose_item_is_too_large_fails_with_413_and_rolls_back_the_batch()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new JObject { ["id"] = "grows", ["pk"] = "p", ["payload"] = "small" }, Pk);

        using var response = await container.CreateTransactionalBatch(Pk)
            .CreateItem(new TestItem("first", "p", 1))
            .PatchItem("grows", [PatchOperation.Set("/payload", new string('x', MaxItemBytes - 10))])
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal([HttpStatusCode.FailedDependency, HttpStatusCode.RequestEntityTooLarge], response.Select(r => r.StatusCode));
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("first", Pk)).StatusCode);
        Assert.Equal("small", (string?)(await container.ReadItemAsync<JObject>("grows", Pk)).Resource["payload"]);
    }

    /// <summary>
    /// Executes the batch and counts the batch requests that reached the server (the SDK does not refuse
    /// these itself), through a fault rule that faults nothing (rate 0) but counts what it matches.
    /// </summary>
    private async Task<(HttpStatusCode Status, long Requests)> BatchRequestsAsync(Container container, TransactionalBatch batch)
    {
        await fixture.Server.SetFaultsAsync(new CosmosFaultRule(0, CosmosFaultKind.ServiceUnavailable)
        {
            Operations = ["batch"],
            Containers = [container.Id],
        });
        try
        {
            using var response = await batch.ExecuteAsync();
            return (response.StatusCode, (await fixture.Server.GetFaultsAsync()).Matched);
        }
        finally
        {
            await fixture.Server.ClearFaultsAsync();
        }
    }

    /// <summary>The UTF-8 JSON of an item, padded to exactly <paramref name="bytes"/> bytes.</summary>
    private static MemoryStream ItemOfSize(string id, int bytes)
    {
        var empty = $$"""{"id":"{{id}}","pk":"p","payload":""}""";
        var json = empty.Insert(empty.Length - 2, new string('x', bytes - Encoding.UTF8.GetByteCount(empty)));
        var utf8 = Encoding.UTF8.GetBytes(json);
        Assert.Equal(bytes, utf8.Length);
        return new MemoryStream(utf8);
    }

    private static int WithoutSystemProperties(JObject item)
    {
        foreach (var name in new[] { "_rid", "_self", "_etag", "_ts", "_attachments", "_lsn" })
        {
            item.Remove(name);
        }

        return Encoding.UTF8.GetByteCount(item.ToString(Newtonsoft.Json.Formatting.None));
    }
}
