using System.Net;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Newtonsoft.Json.Linq;
using Xunit;

namespace CosmosDevServerTests;

/// <summary>
/// Patch operations inside a transactional batch, as the app patches its head: several patches of one item in one
/// batch (at most 10 operations each), only the first guarded by an etag; and every refusal Cosmos DB makes, which
/// fails the whole batch and writes nothing.
/// </summary>
public sealed class BatchPatchTests(CosmosDevServerFixture fixture) : IClassFixture<CosmosDevServerFixture>
{
    private static readonly PartitionKey Pk = new("p");

    private static readonly TransactionalBatchPatchItemRequestOptions NoContent = new() { EnableContentResponseOnWrite = false };

    private async Task<(Container Container, string ETag)> NewContainerWithHeadAsync()
    {
        var container = await fixture.NewContainerAsync();
        var head = new JObject { ["id"] = "head", ["pk"] = "p", ["version"] = 1, ["items"] = new JObject { ["sword"] = 2, ["shield"] = 1 } };
        var created = await container.CreateItemAsync(head, Pk);
        return (container, created.ETag);
    }

    private static async Task<JObject> ReadHeadAsync(Container container) => (await container.ReadItemAsync<JObject>("head", Pk)).Resource;

    [Fact]
    public async Task Several_patches_of_one_item_apply_in_order_only_the_first_checking_the_etag()
    {
        var (container, etag) = await NewContainerWithHeadAsync();
        var iterator = container.GetChangeFeedIterator<JObject>(ChangeFeedStartFrom.Now(), ChangeFeedMode.LatestVersion);
        var (_, continuation, _) = await TestSupport.DrainChangeFeedAsync(iterator);
        var adds = Enumerable.Range(0, 10).Select(i => PatchOperation.Set($"/items/item-{i}", i + 1)).ToList();

        using var response = await container.CreateTransactionalBatch(Pk)
            .PatchItem("head", [PatchOperation.Set("/version", 2), PatchOperation.Remove("/items/shield")],
                new TransactionalBatchPatchItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false })
            .PatchItem("head", adds, NoContent)
            .PatchItem("head", [PatchOperation.Increment("/items/sword", 3), PatchOperation.Remove("/items/item-0")], NoContent)
            .CreateItem(new TestItem("2", "p", 2))
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Created], response.Select(r => r.StatusCode));
        // Each patch answers with the etag it left; the last one is the item's, and no body came back.
        Assert.Equal(3, response.Take(3).Select(r => r.ETag).Distinct().Count());
        Assert.All(response.Take(3), r => Assert.Null(r.ResourceStream));
        var head = await container.ReadItemAsync<JObject>("head", Pk);
        Assert.Equal(response[2].ETag, head.ETag);
        Assert.Equal(2, (int)head.Resource["version"]!);
        var items = (JObject)head.Resource["items"]!;
        Assert.Equal(
            new Dictionary<string, int> { ["sword"] = 5, ["item-1"] = 2, ["item-2"] = 3, ["item-3"] = 4, ["item-4"] = 5, ["item-5"] = 6, ["item-6"] = 7, ["item-7"] = 8, ["item-8"] = 9, ["item-9"] = 10 },
            items.Properties().ToDictionary(p => p.Name, p => (int)p.Value));

        // The change feed sees the item once, as the batch left it.
        var (changes, _, _) = await TestSupport.DrainChangeFeedAsync(container.GetChangeFeedIterator<JObject>(
            ChangeFeedStartFrom.ContinuationToken(continuation), ChangeFeedMode.LatestVersion));
        var changed = Assert.Single(changes, c => (string?)c["id"] == "head");
        Assert.Equal(2, (int)changed["version"]!);
        Assert.Equal(5, (int)changed["items"]!["sword"]!);
        Assert.Single(changes, c => (string?)c["id"] == "2");
    }

    [Fact]
    public async Task A_stale_etag_on_the_first_patch_fails_the_batch_with_412_and_writes_nothing()
    {
        var (container, stale) = await NewContainerWithHeadAsync();
        await container.PatchItemAsync<JObject>("head", Pk, [PatchOperation.Set("/version", 7)]);
        var before = await container.ReadItemAsync<JObject>("head", Pk);

        using var response = await container.CreateTransactionalBatch(Pk)
            .PatchItem("head", [PatchOperation.Set("/version", 2)], new TransactionalBatchPatchItemRequestOptions { IfMatchEtag = stale })
            .PatchItem("head", [PatchOperation.Set("/items/bow", 1)])
            .CreateItem(new TestItem("2", "p", 2))
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal([HttpStatusCode.PreconditionFailed, HttpStatusCode.FailedDependency, HttpStatusCode.FailedDependency], response.Select(r => r.StatusCode));
        var after = await container.ReadItemAsync<JObject>("head", Pk);
        Assert.Equal(before.ETag, after.ETag);
        Assert.True(JToken.DeepEquals(before.Resource, after.Resource));
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("2", Pk)).StatusCode);
    }

    public static TheoryData<string, PatchOperation[]> Refused => new()
    {
        { "more than 10 operations in one patch", [.. Enumerable.Range(0, 11).Select(i => PatchOperation.Set($"/items/i{i}", i))] },
        { "removing a property that is not there", [PatchOperation.Remove("/items/bow")] },
        { "incrementing a value that is not a number", [PatchOperation.Increment("/pk", 1)] },
        { "setting below a parent that is not there", [PatchOperation.Set("/missing/child", 1)] },
        { "a '~' that is not an escape", [PatchOperation.Set("/items/x~y", 1)] },
        { "a path ending in '~'", [PatchOperation.Set("/items/x~", 1)] },
        { "a segment of 20 digits", [PatchOperation.Set("/items/12345678901234567890", 1)] },
        { "a system property", [PatchOperation.Set("/_ts", 1)] },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_patch_Cosmos_refuses_fails_the_batch_with_400_and_writes_nothing(string why, PatchOperation[] operations)
    {
        var (container, etag) = await NewContainerWithHeadAsync();
        var before = await ReadHeadAsync(container);

        using var response = await container.CreateTransactionalBatch(Pk)
            .CreateItem(new TestItem("2", "p", 2))
            .PatchItem("head", [PatchOperation.Set("/version", 2)], new TransactionalBatchPatchItemRequestOptions { IfMatchEtag = etag })
            .PatchItem("head", operations)
            .ExecuteAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {response.StatusCode} {response.ErrorMessage}");
        Assert.Equal([HttpStatusCode.FailedDependency, HttpStatusCode.FailedDependency, HttpStatusCode.BadRequest], response.Select(r => r.StatusCode));
        Assert.True(JToken.DeepEquals(before, await ReadHeadAsync(container)), why);
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("2", Pk)).StatusCode);
    }

    [Fact]
    public async Task Escaped_paths_name_properties_holding_slash_and_tilde_and_shorter_digit_segments_are_names()
    {
        var (container, _) = await NewContainerWithHeadAsync();

        using var response = await container.CreateTransactionalBatch(Pk)
            .PatchItem("head", [PatchOperation.Set("/items/a~1b", 1), PatchOperation.Set("/items/x~0y", 2), PatchOperation.Set("/items/~01", 3), PatchOperation.Set("/items/42", 4)])
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (JObject)(await ReadHeadAsync(container))["items"]!;
        Assert.Equal(new Dictionary<string, int> { ["sword"] = 2, ["shield"] = 1, ["a/b"] = 1, ["x~y"] = 2, ["~1"] = 3, ["42"] = 4 },
            items.Properties().ToDictionary(p => p.Name, p => (int)p.Value));
    }
}
