using System.Net;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Newtonsoft.Json;

namespace CosmosDevServerTests;

internal sealed record TestItem(
    [property: JsonProperty("id")] string Id,
    [property: JsonProperty("pk")] string Pk,
    [property: JsonProperty("n")] int N);

internal static class TestSupport
{
    /// <summary>A new container with a unique name, so tests sharing a server do not interfere.</summary>
    public static async Task<Container> NewContainerAsync(this CosmosDevServerFixture fixture, string partitionKeyPath = "/pk")
    {
        Database database = await fixture.Client.CreateDatabaseIfNotExistsAsync("tests");
        var name = "c" + Guid.NewGuid().ToString("N");
        return (await database.CreateContainerAsync(name, partitionKeyPath)).Container;
    }

    public static async Task<List<TestItem>> CreateItemsAsync(Container container, int count, Func<int, string> partition)
    {
        var items = new List<TestItem>();
        for (var i = 0; i < count; i++)
        {
            var item = new TestItem($"item{i:D3}", partition(i), i);
            await container.CreateItemAsync(item, new PartitionKey(item.Pk));
            items.Add(item);
        }

        return items;
    }

    public static async Task<List<T>> ReadAllAsync<T>(FeedIterator<T> iterator)
    {
        var results = new List<T>();
        using (iterator)
        {
            while (iterator.HasMoreResults)
            {
                results.AddRange(await iterator.ReadNextAsync());
            }
        }

        return results;
    }

    /// <summary>Reads a change feed iterator until it reports NotModified (caught up).</summary>
    public static async Task<(List<T> Items, string Continuation, int Pages)> DrainChangeFeedAsync<T>(FeedIterator<T> iterator)
    {
        var items = new List<T>();
        var pages = 0;
        while (true)
        {
            var page = await iterator.ReadNextAsync();
            if (page.StatusCode == HttpStatusCode.NotModified)
            {
                return (items, page.ContinuationToken, pages);
            }

            pages++;
            items.AddRange(page);
        }
    }
}
