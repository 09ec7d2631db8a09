using System.Net;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Newtonsoft.Json.Linq;
using Xunit;

namespace CosmosDevServerTests;

public sealed class BatchTests(CosmosDevServerFixture fixture) : IClassFixture<CosmosDevServerFixture>
{
    private static readonly PartitionKey Pk = new("p");

    [Fact]
    public async Task Batch_applies_every_operation_and_reports_each_result()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("replace-me", "p", 1), Pk);
        await container.CreateItemAsync(new TestItem("delete-me", "p", 1), Pk);
        var patchMe = await container.CreateItemAsync(new TestItem("patch-me", "p", 1), Pk);

        using var response = await container.CreateTransactionalBatch(Pk)
            .CreateItem(new TestItem("new", "p", 1))
            .UpsertItem(new TestItem("upserted", "p", 2))
            .ReplaceItem("replace-me", new TestItem("replace-me", "p", 3))
            .ReadItem("replace-me")
            .DeleteItem("delete-me")
            .PatchItem("patch-me", [PatchOperation.Increment("/n", 10)], new TransactionalBatchPatchItemRequestOptions { IfMatchEtag = patchMe.ETag })
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(
            [HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.OK],
            response.Select(r => r.StatusCode));
        Assert.Equal(new TestItem("new", "p", 1), response.GetOperationResultAtIndex<TestItem>(0).Resource);
        Assert.Equal(3, response.GetOperationResultAtIndex<TestItem>(3).Resource.N);
        Assert.Equal(11, response.GetOperationResultAtIndex<TestItem>(5).Resource.N);
        Assert.All(new[] { 0, 1, 2, 3, 5 }, i => Assert.False(string.IsNullOrEmpty(response[i].ETag)));
        Assert.NotEqual(patchMe.ETag, response[5].ETag);

        var read = await container.ReadItemAsync<TestItem>("replace-me", Pk);
        Assert.Equal(response[2].ETag, read.ETag);
        var missing = await container.ReadItemStreamAsync("delete-me", Pk);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(11, (await container.ReadItemAsync<TestItem>("patch-me", Pk)).Resource.N);
    }

    [Fact]
    public async Task Batch_with_a_failing_operation_rolls_back_every_operation()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("existing", "p", 1), Pk);
        await container.CreateItemAsync(new TestItem("keep", "p", 1), Pk);

        using var response = await container.CreateTransactionalBatch(Pk)
            .CreateItem(new TestItem("first", "p", 1))
            .ReplaceItem("keep", new TestItem("keep", "p", 2))
            .DeleteItem("existing")
            .CreateItem(new TestItem("existing", "p", 2)) // fine: deleted just above
            .CreateItem(new TestItem("first", "p", 3)) // 409: created by the first operation
            .UpsertItem(new TestItem("last", "p", 1))
            .ExecuteAsync();

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(
            [HttpStatusCode.FailedDependency, HttpStatusCode.FailedDependency, HttpStatusCode.FailedDependency,
             HttpStatusCode.FailedDependency, HttpStatusCode.Conflict, HttpStatusCode.FailedDependency],
            response.Select(r => r.StatusCode));

        var all = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>("SELECT * FROM c"));
        Assert.Equal([new TestItem("existing", "p", 1), new TestItem("keep", "p", 1)], all.OrderBy(i => i.Id));
    }

    [Fact]
    public async Task Batch_replace_with_stale_etag_fails_with_412_and_applies_nothing()
    {
        var container = await fixture.NewContainerAsync();
        var stale = (await container.CreateItemAsync(new TestItem("a", "p", 1), Pk)).ETag;
        var current = (await container.UpsertItemAsync(new TestItem("a", "p", 2), Pk)).ETag;

        using var response = await container.CreateTransactionalBatch(Pk)
            .CreateItem(new TestItem("b", "p", 1))
            .ReplaceItem("a", new TestItem("a", "p", 3), new TransactionalBatchItemRequestOptions { IfMatchEtag = stale })
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal([HttpStatusCode.FailedDependency, HttpStatusCode.PreconditionFailed], response.Select(r => r.StatusCode));
        var a = await container.ReadItemAsync<TestItem>("a", Pk);
        Assert.Equal(2, a.Resource.N);
        Assert.Equal(current, a.ETag);
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("b", Pk)).StatusCode);
    }

    [Fact]
    public async Task Batch_replace_with_current_etag_succeeds()
    {
        var container = await fixture.NewContainerAsync();
        var etag = (await container.CreateItemAsync(new TestItem("a", "p", 1), Pk)).ETag;

        using var response = await container.CreateTransactionalBatch(Pk)
            .ReplaceItem("a", new TestItem("a", "p", 2), new TransactionalBatchItemRequestOptions { IfMatchEtag = etag })
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await container.ReadItemAsync<TestItem>("a", Pk)).Resource.N);
    }

    [Fact]
    public async Task Batch_operation_on_a_missing_item_fails_with_404()
    {
        var container = await fixture.NewContainerAsync();

        using var response = await container.CreateTransactionalBatch(Pk)
            .CreateItem(new TestItem("a", "p", 1))
            .DeleteItem("missing")
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal([HttpStatusCode.FailedDependency, HttpStatusCode.NotFound], response.Select(r => r.StatusCode));
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("a", Pk)).StatusCode);
    }

    [Fact]
    public async Task Rolled_back_batch_leaves_no_trace_in_the_change_feed()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("a", "p", 1), Pk);
        var iterator = container.GetChangeFeedIterator<TestItem>(ChangeFeedStartFrom.Now(), ChangeFeedMode.LatestVersion);
        var (_, continuation, _) = await TestSupport.DrainChangeFeedAsync(iterator);

        using (await container.CreateTransactionalBatch(Pk)
                   .UpsertItem(new TestItem("a", "p", 2))
                   .CreateItem(new TestItem("a", "p", 3))
                   .ExecuteAsync())
        {
        }

        using (await container.CreateTransactionalBatch(Pk).UpsertItem(new TestItem("b", "p", 1)).ExecuteAsync())
        {
        }

        var (changes, _, _) = await TestSupport.DrainChangeFeedAsync(container.GetChangeFeedIterator<TestItem>(
            ChangeFeedStartFrom.ContinuationToken(continuation), ChangeFeedMode.LatestVersion));
        Assert.Equal([new TestItem("b", "p", 1)], changes);
    }

    [Fact]
    public async Task Batch_round_trips_large_documents()
    {
        var container = await fixture.NewContainerAsync();
        var payload = new string('x', 40_000);

        using var response = await container.CreateTransactionalBatch(Pk)
            .CreateItem(new { id = "big", pk = "p", payload })
            .ReadItem("big")
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload, (string?)response.GetOperationResultAtIndex<JObject>(1).Resource["payload"]);
    }

    [Fact]
    public async Task Bulk_execution_creates_every_item()
    {
        var container = await fixture.NewContainerAsync();
        using var bulkClient = fixture.Server.CreateClient(o => o.AllowBulkExecution = true);
        var bulk = bulkClient.GetContainer(container.Database.Id, container.Id);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(
            i => bulk.CreateItemAsync(new TestItem($"i{i}", $"p{i % 4}", i), new PartitionKey($"p{i % 4}"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var count = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<int>("SELECT VALUE COUNT(1) FROM c"));
        Assert.Equal([50], count);
    }
}
