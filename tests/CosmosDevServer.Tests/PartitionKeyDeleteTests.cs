using System.Net;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace CosmosDevServerTests;

/// <summary>
/// <c>Container.DeleteAllItemsByPartitionKeyStreamAsync</c> through the official SDK: refused with 400 unless the server
/// runs with the account capability <c>DeleteAllItemsByPartitionKey</c> (as on Azure), and with it every document of
/// that partition, and only of that partition, is gone.
/// </summary>
public sealed class PartitionKeyDeleteTests
{
    [Fact]
    public async Task Without_the_capability_the_delete_is_refused_and_nothing_is_deleted()
    {
        await using var server = await CosmosDevServer.StartAsync(faults: null);
        using var client = server.CreateClient();
        var container = await NewContainerAsync(client);
        await TestSupport.CreateItemsAsync(container, 3, _ => "a");

        using var response = await container.DeleteAllItemsByPartitionKeyStreamAsync(new PartitionKey("a"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("DeleteAllItemsByPartitionKey", response.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(3, (await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>("SELECT * FROM c"))).Count);
    }

    [Fact]
    public async Task With_the_capability_every_document_of_the_partition_and_no_other_is_deleted()
    {
        await using var server = await CosmosDevServer.StartAsync(faults: null, capabilities: ["DeleteAllItemsByPartitionKey"]);
        using var client = server.CreateClient();
        var container = await NewContainerAsync(client);
        await TestSupport.CreateItemsAsync(container, 10, i => i % 2 == 0 ? "a" : "b");

        using var response = await container.DeleteAllItemsByPartitionKeyStreamAsync(new PartitionKey("a"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.RequestCharge > 0);
        var left = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>("SELECT * FROM c"));
        Assert.Equal(5, left.Count);
        Assert.All(left, item => Assert.Equal("b", item.Pk));
    }

    private static async Task<Container> NewContainerAsync(CosmosClient client)
    {
        Database database = await client.CreateDatabaseIfNotExistsAsync("tests");
        return (await database.CreateContainerAsync("c" + Guid.NewGuid().ToString("N"), "/pk")).Container;
    }
}
