using System.Net;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Xunit;

namespace CosmosDevServerTests;

public sealed class ChangeFeedTests(CosmosDevServerFixture fixture) : IClassFixture<CosmosDevServerFixture>
{
    private static FeedIterator<TestItem> Feed(Container container, ChangeFeedStartFrom start, int? pageSize = null) =>
        container.GetChangeFeedIterator<TestItem>(start, ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = pageSize });

    [Fact]
    public async Task Change_feed_from_beginning_returns_every_item_in_write_order()
    {
        var container = await fixture.NewContainerAsync();
        var items = await TestSupport.CreateItemsAsync(container, 5, i => $"p{i % 2}");

        var (changes, _, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.Beginning()));

        Assert.Equal(items, changes);
    }

    [Fact]
    public async Task Change_feed_returns_only_the_latest_version_of_an_updated_item()
    {
        var container = await fixture.NewContainerAsync();
        var pk = new PartitionKey("p");
        await container.CreateItemAsync(new TestItem("a", "p", 1), pk);
        await container.CreateItemAsync(new TestItem("b", "p", 1), pk);
        await container.ReplaceItemAsync(new TestItem("a", "p", 2), "a", pk);
        await container.PatchItemAsync<TestItem>("a", pk, [PatchOperation.Set("/n", 3)]);

        var (changes, _, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.Beginning()));

        Assert.Equal([new TestItem("b", "p", 1), new TestItem("a", "p", 3)], changes);
    }

    [Fact]
    public async Task Change_feed_continuation_returns_only_newer_changes()
    {
        var container = await fixture.NewContainerAsync();
        var pk = new PartitionKey("p");
        await TestSupport.CreateItemsAsync(container, 3, _ => "p");
        var (first, continuation, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.Beginning()));

        var idle = Feed(container, ChangeFeedStartFrom.ContinuationToken(continuation));
        var idlePage = await idle.ReadNextAsync();
        Assert.Equal(HttpStatusCode.NotModified, idlePage.StatusCode);

        await container.UpsertItemAsync(new TestItem("item001", "p", 100), pk);
        await container.CreateItemAsync(new TestItem("new", "p", 4), pk);
        var (second, _, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.ContinuationToken(idlePage.ContinuationToken)));

        Assert.Equal(3, first.Count);
        Assert.Equal([new TestItem("item001", "p", 100), new TestItem("new", "p", 4)], second);
    }

    [Fact]
    public async Task Change_feed_pages_follow_the_page_size_hint()
    {
        var container = await fixture.NewContainerAsync();
        var items = await TestSupport.CreateItemsAsync(container, 7, i => $"p{i % 3}");

        var (changes, _, pages) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.Beginning(), pageSize: 3));

        Assert.Equal(items, changes);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Change_feed_from_now_returns_nothing_until_new_writes()
    {
        var container = await fixture.NewContainerAsync();
        await TestSupport.CreateItemsAsync(container, 3, _ => "p");
        var iterator = Feed(container, ChangeFeedStartFrom.Now());

        var first = await iterator.ReadNextAsync();
        Assert.Equal(HttpStatusCode.NotModified, first.StatusCode);
        await container.CreateItemAsync(new TestItem("later", "p", 9), new PartitionKey("p"));
        var (changes, _, _) = await TestSupport.DrainChangeFeedAsync(iterator);

        Assert.Equal([new TestItem("later", "p", 9)], changes);
    }

    [Fact]
    public async Task Change_feed_from_a_time_skips_older_changes()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("old", "p", 1), new PartitionKey("p"));
        // _ts and the If-Modified-Since header have one-second precision, as on Cosmos.
        await Task.Delay(1100 - DateTime.UtcNow.Millisecond + 50);
        var start = DateTime.UtcNow;
        await container.CreateItemAsync(new TestItem("new", "p", 2), new PartitionKey("p"));

        var (changes, _, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.Time(start)));

        Assert.Equal([new TestItem("new", "p", 2)], changes);
    }

    [Fact]
    public async Task Change_feed_for_one_partition_key_returns_only_that_partition()
    {
        var container = await fixture.NewContainerAsync();
        await TestSupport.CreateItemsAsync(container, 9, i => $"p{i % 3}");
        var range = FeedRange.FromPartitionKey(new PartitionKey("p1"));

        var (changes, continuation, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.Beginning(range)));
        await container.CreateItemAsync(new TestItem("other", "p2", 100), new PartitionKey("p2"));
        await container.CreateItemAsync(new TestItem("mine", "p1", 101), new PartitionKey("p1"));
        var (later, _, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.ContinuationToken(continuation)));

        Assert.Equal([1, 4, 7], changes.Select(i => i.N));
        Assert.Equal([new TestItem("mine", "p1", 101)], later);
    }

    [Fact]
    public async Task Change_feed_includes_batch_writes()
    {
        var container = await fixture.NewContainerAsync();
        using (await container.CreateTransactionalBatch(new PartitionKey("p"))
                   .CreateItem(new TestItem("a", "p", 1))
                   .CreateItem(new TestItem("b", "p", 2))
                   .ExecuteAsync())
        {
        }

        var (changes, _, _) = await TestSupport.DrainChangeFeedAsync(Feed(container, ChangeFeedStartFrom.Beginning()));

        Assert.Equal([new TestItem("a", "p", 1), new TestItem("b", "p", 2)], changes);
    }
}
