using System.Net;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Newtonsoft.Json.Linq;
using Xunit;

namespace CosmosDevServerTests;

public sealed class PointOperationTests(CosmosDevServerFixture fixture) : IClassFixture<CosmosDevServerFixture>
{
    [Fact]
    public async Task Missing_point_read_returns_404()
    {
        var container = await fixture.NewContainerAsync();

        var e = await Assert.ThrowsAsync<CosmosException>(
            () => container.ReadItemAsync<TestItem>("nope", new PartitionKey("p")));
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);

        using var stream = await container.ReadItemStreamAsync("nope", new PartitionKey("p"));
        Assert.Equal(HttpStatusCode.NotFound, stream.StatusCode);
    }

    [Fact]
    public async Task Point_read_in_another_partition_returns_404()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("a", "p1", 1), new PartitionKey("p1"));

        var e = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<TestItem>("a", new PartitionKey("p2")));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal(new TestItem("a", "p1", 1), (await container.ReadItemAsync<TestItem>("a", new PartitionKey("p1"))).Resource);
    }

    [Fact]
    public async Task Empty_string_zero_and_null_partition_keys_are_partitions_of_their_own()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new JObject { ["id"] = "x", ["pk"] = "" }, new PartitionKey(""));
        await container.CreateItemAsync(new JObject { ["id"] = "x", ["pk"] = 0 }, new PartitionKey(0));
        await container.CreateItemAsync(new JObject { ["id"] = "x", ["pk"] = null }, PartitionKey.Null);
        await container.CreateItemAsync(new JObject { ["id"] = "x", ["pk"] = "x" }, new PartitionKey("x"));

        var empty = await container.ReadItemAsync<JObject>("x", new PartitionKey(""));
        var zero = await container.ReadItemAsync<JObject>("x", new PartitionKey(0));

        Assert.Equal(JTokenType.String, empty.Resource["pk"]!.Type);
        Assert.Equal(JTokenType.Integer, zero.Resource["pk"]!.Type);
        await container.DeleteItemAsync<JObject>("x", new PartitionKey(0));
        Assert.Equal(HttpStatusCode.OK, (await container.ReadItemAsync<JObject>("x", new PartitionKey(""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await container.ReadItemAsync<JObject>("x", new PartitionKey("x"))).StatusCode);
        Assert.Equal(JTokenType.Null, (await container.ReadItemAsync<JObject>("x", PartitionKey.Null)).Resource["pk"]!.Type);
        var inEmpty = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<JObject>(
            "SELECT * FROM c", requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("") }));
        Assert.Equal(JTokenType.String, Assert.Single(inEmpty)["pk"]!.Type);
    }

    [Fact]
    public async Task Etag_changes_on_every_write()
    {
        var container = await fixture.NewContainerAsync();
        var pk = new PartitionKey("p");

        var created = await container.CreateItemAsync(new TestItem("a", "p", 1), pk);
        var replaced = await container.ReplaceItemAsync(new TestItem("a", "p", 2), "a", pk);
        var upserted = await container.UpsertItemAsync(new TestItem("a", "p", 3), pk);
        var patched = await container.PatchItemAsync<TestItem>("a", pk, [PatchOperation.Increment("/n", 1)]);
        var read = await container.ReadItemAsync<TestItem>("a", pk);

        var etags = new[] { created.ETag, replaced.ETag, upserted.ETag, patched.ETag };
        Assert.All(etags, etag => Assert.False(string.IsNullOrEmpty(etag)));
        Assert.Equal(etags.Length, etags.Distinct().Count());
        Assert.Equal(patched.ETag, read.ETag);
        Assert.Equal(4, read.Resource.N);
    }

    [Fact]
    public async Task Replace_with_stale_etag_returns_412()
    {
        var container = await fixture.NewContainerAsync();
        var pk = new PartitionKey("p");
        var created = await container.CreateItemAsync(new TestItem("a", "p", 1), pk);
        var current = await container.ReplaceItemAsync(
            new TestItem("a", "p", 2), "a", pk, new ItemRequestOptions { IfMatchEtag = created.ETag });

        var e = await Assert.ThrowsAsync<CosmosException>(() => container.ReplaceItemAsync(
            new TestItem("a", "p", 3), "a", pk, new ItemRequestOptions { IfMatchEtag = created.ETag }));

        Assert.Equal(HttpStatusCode.PreconditionFailed, e.StatusCode);
        var read = await container.ReadItemAsync<TestItem>("a", pk);
        Assert.Equal(2, read.Resource.N);
        Assert.Equal(current.ETag, read.ETag);
    }

    [Fact]
    public async Task Upsert_patch_and_delete_with_stale_etag_return_412()
    {
        var container = await fixture.NewContainerAsync();
        var pk = new PartitionKey("p");
        var stale = (await container.CreateItemAsync(new TestItem("a", "p", 1), pk)).ETag;
        await container.UpsertItemAsync(new TestItem("a", "p", 2), pk);
        var ifStale = new ItemRequestOptions { IfMatchEtag = stale };

        var upsert = await Assert.ThrowsAsync<CosmosException>(() => container.UpsertItemAsync(new TestItem("a", "p", 3), pk, ifStale));
        var patch = await Assert.ThrowsAsync<CosmosException>(() => container.PatchItemAsync<TestItem>(
            "a", pk, [PatchOperation.Set("/n", 9)], new PatchItemRequestOptions { IfMatchEtag = stale }));
        var delete = await Assert.ThrowsAsync<CosmosException>(() => container.DeleteItemAsync<TestItem>("a", pk, ifStale));

        Assert.Equal(HttpStatusCode.PreconditionFailed, upsert.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, patch.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, delete.StatusCode);
        Assert.Equal(2, (await container.ReadItemAsync<TestItem>("a", pk)).Resource.N);
    }

    [Fact]
    public async Task Duplicate_create_returns_409()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("a", "p", 1), new PartitionKey("p"));

        var e = await Assert.ThrowsAsync<CosmosException>(
            () => container.CreateItemAsync(new TestItem("a", "p", 2), new PartitionKey("p")));

        Assert.Equal(HttpStatusCode.Conflict, e.StatusCode);
    }

    [Fact]
    public async Task Responses_keep_the_connection_alive_and_report_a_request_charge()
    {
        var container = await fixture.NewContainerAsync();
        var created = await container.CreateItemAsync(new TestItem("a", "p", 1), new PartitionKey("p"));
        Assert.True(created.RequestCharge > 0);

        using var http = new HttpClient();
        using var response = await http.GetAsync(fixture.Server.Endpoint);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(true, response.Headers.ConnectionClose);
        Assert.True(response.Headers.Contains("x-ms-request-charge"));
    }
}
