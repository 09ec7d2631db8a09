using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Microsoft.Azure.Cosmos.Linq;
using Newtonsoft.Json.Linq;
using Xunit;

namespace CosmosDevServerTests;

// Items: item000..item019 with n = 0..19, spread over partitions p0, p1, p2 (n % 3).
public sealed class QueryTests(CosmosDevServerFixture fixture) : IClassFixture<CosmosDevServerFixture>
{
    private async Task<Container> SeededContainerAsync()
    {
        var container = await fixture.NewContainerAsync();
        await TestSupport.CreateItemsAsync(container, 20, i => $"p{i % 3}");
        return container;
    }

    [Fact]
    public async Task Single_partition_query_returns_only_that_partition()
    {
        var container = await SeededContainerAsync();

        var items = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>(
            "SELECT * FROM c", requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("p1") }));

        Assert.Equal([1, 4, 7, 10, 13, 16, 19], items.Select(i => i.N).Order());
    }

    [Fact]
    public async Task Cross_partition_order_by_with_top_returns_the_top_items_in_order()
    {
        var container = await SeededContainerAsync();

        var items = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>(
            "SELECT TOP 5 * FROM c ORDER BY c.n DESC", requestOptions: new QueryRequestOptions { MaxItemCount = 2 }));

        Assert.Equal([19, 18, 17, 16, 15], items.Select(i => i.N));
    }

    [Fact]
    public async Task Paging_with_a_small_page_size_returns_every_item_once()
    {
        var container = await SeededContainerAsync();
        var seen = new List<int>();
        var pages = 0;
        string? continuation = null;

        // A new iterator per page, resumed from the continuation token, as an HTTP API would page.
        do
        {
            using var iterator = container.GetItemQueryIterator<TestItem>(
                "SELECT * FROM c ORDER BY c.n", continuation, new QueryRequestOptions { MaxItemCount = 3 });
            var page = await iterator.ReadNextAsync();
            seen.AddRange(page.Select(i => i.N));
            continuation = page.ContinuationToken;
            pages++;
        }
        while (continuation is not null);

        Assert.Equal(Enumerable.Range(0, 20), seen);
        Assert.Equal(7, pages);
    }

    [Fact]
    public async Task Single_partition_paging_returns_every_item_of_the_partition_once()
    {
        var container = await SeededContainerAsync();

        var iterator = container.GetItemQueryIterator<TestItem>(
            "SELECT * FROM c ORDER BY c.n",
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("p0"), MaxItemCount = 2 });
        var items = await TestSupport.ReadAllAsync(iterator);

        Assert.Equal([0, 3, 6, 9, 12, 15, 18], items.Select(i => i.N));
    }

    [Fact]
    public async Task Aggregates_are_computed_over_every_partition()
    {
        var container = await SeededContainerAsync();

        var count = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<int>("SELECT VALUE COUNT(1) FROM c"));
        var max = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<int>("SELECT VALUE MAX(c.n) FROM c"));
        var sum = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<int>("SELECT VALUE SUM(c.n) FROM c WHERE c.pk = 'p2'"));
        var several = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<JObject>(
            "SELECT COUNT(1) AS count, MIN(c.n) AS min, MAX(c.n) AS max, SUM(c.n) AS sum FROM c"));

        Assert.Equal([20], count);
        Assert.Equal([19], max);
        Assert.Equal([2 + 5 + 8 + 11 + 14 + 17], sum);
        var row = Assert.Single(several);
        Assert.Equal(20, row["count"]!.Value<int>());
        Assert.Equal(0, row["min"]!.Value<int>());
        Assert.Equal(19, row["max"]!.Value<int>());
        Assert.Equal(190, row["sum"]!.Value<int>());
    }

    [Fact]
    public async Task Single_partition_count_counts_only_that_partition()
    {
        var container = await SeededContainerAsync();

        var count = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<int>(
            "SELECT VALUE COUNT(1) FROM c", requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("p0") }));

        Assert.Equal([7], count);
    }

    [Fact]
    public async Task Query_parameters_are_applied()
    {
        var container = await SeededContainerAsync();
        var query = new QueryDefinition("SELECT * FROM c WHERE c.n >= @min AND c.pk = @pk ORDER BY c.n")
            .WithParameter("@min", 10)
            .WithParameter("@pk", "p1");

        var items = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>(query));

        Assert.Equal([10, 13, 16, 19], items.Select(i => i.N));
    }

    [Fact]
    public async Task Offset_limit_skips_and_takes_in_order()
    {
        var container = await SeededContainerAsync();
        var query = new QueryDefinition("SELECT VALUE c.n FROM c ORDER BY c.n OFFSET @skip LIMIT 4").WithParameter("@skip", 5);

        var values = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<int>(query));

        Assert.Equal([5, 6, 7, 8], values);
    }

    [Fact]
    public async Task Distinct_returns_each_value_once()
    {
        var container = await SeededContainerAsync();

        var values = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<string>("SELECT DISTINCT VALUE c.pk FROM c"));

        Assert.Equal(["p0", "p1", "p2"], values.Order());
    }

    [Fact]
    public async Task Linq_where_order_by_and_count_work()
    {
        var container = await SeededContainerAsync();
        var queryable = container.GetItemLinqQueryable<TestItem>();

        var items = await TestSupport.ReadAllAsync(
            queryable.Where(i => i.N > 15).OrderByDescending(i => i.N).ToFeedIterator());
        var count = await queryable.Where(i => i.Pk == "p2").CountAsync();

        Assert.Equal([19, 18, 17, 16], items.Select(i => i.N));
        Assert.Equal(6, count.Resource);
    }

    [Fact]
    public async Task Read_feed_without_a_query_returns_every_item()
    {
        var container = await SeededContainerAsync();

        var items = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>(
            (string?)null, requestOptions: new QueryRequestOptions { MaxItemCount = 6 }));

        Assert.Equal(Enumerable.Range(0, 20), items.Select(i => i.N).Order());
    }
}
