using System.Text;
using System.Text.Json;
using InventoryFunctions.Cosmos;
using InventoryFunctions.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The adapters' one helper per Cosmos DB operation shape (<see cref="DocumentOperations"/>), against the dev server
/// through the official SDK: a point read maps 404 to null and carries the etag, a guarded write that loses its race
/// answers null (409, 412, 404) instead of throwing, a query reads every page.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class DocumentOperationsTests(LocalStackFixture stack)
{
    // '$' is in no inventory id: no view or projector ever reads this partition.
    private readonly string _partition = "$document-operations-" + Guid.NewGuid().ToString("N");

    private Container Projections => stack.Client.GetContainer(stack.Options.DatabaseName, stack.Options.ProjectionsContainerName);

    private byte[] Document(string id, int n) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id, inventoryId = _partition, n }));

    private static int N(JsonElement document) => document.GetProperty("n").GetInt32();

    [Fact]
    public async Task A_point_read_of_a_missing_document_is_null_and_of_one_that_exists_its_value_and_etag()
    {
        var partition = new PartitionKey(_partition);
        var created = await Projections.TryCreateOrReplaceAsync(Document("a", 1), "a", partition, etag: null, default);

        var missing = await Projections.ReadDocumentAsync("no-such", partition, N, default);
        var found = await Projections.ReadDocumentAsync("a", partition, N, default);

        Assert.Null(missing);
        var (value, etag) = found!.Value;
        Assert.Equal(1, value);
        Assert.Equal(created, etag);
    }

    [Fact]
    public async Task A_guarded_write_that_loses_its_race_is_null_and_writes_nothing()
    {
        var partition = new PartitionKey(_partition);
        var first = await Projections.TryCreateOrReplaceAsync(Document("b", 1), "b", partition, etag: null, default);
        var replaced = await Projections.TryCreateOrReplaceAsync(Document("b", 2), "b", partition, first, default);

        var createdTwice = await Projections.TryCreateOrReplaceAsync(Document("b", 3), "b", partition, etag: null, default);
        var staleReplace = await Projections.TryCreateOrReplaceAsync(Document("b", 4), "b", partition, first, default);
        var goneReplace = await Projections.TryCreateOrReplaceAsync(Document("gone", 5), "gone", partition, first, default);

        Assert.NotNull(first);
        Assert.NotNull(replaced);
        Assert.NotEqual(first, replaced);
        Assert.Null(createdTwice);
        Assert.Null(staleReplace);
        Assert.Null(goneReplace);
        var (value, etag) = (await Projections.ReadDocumentAsync("b", partition, N, default))!.Value;
        Assert.Equal(2, value);
        Assert.Equal(replaced, etag);
        Assert.Null(await Projections.ReadDocumentAsync("gone", partition, N, default));
    }

    [Fact]
    public async Task A_query_reads_every_page_in_one_partition_and_across_partitions()
    {
        var partition = new PartitionKey(_partition);
        for (var n = 0; n < 5; n++)
            await Projections.TryCreateOrReplaceAsync(Document($"q{n}", n), $"q{n}", partition, etag: null, default);
        var query = new QueryDefinition("SELECT * FROM c WHERE c.inventoryId = @partition").WithParameter("@partition", _partition);

        var inPartition = await Projections.QueryDocumentsAsync(query, default, partition, pageSize: 2).Select(N).ToListAsync();
        var across = await Projections.QueryDocumentsAsync(query, default, pageSize: 2).Select(N).ToListAsync();

        Assert.Equal([0, 1, 2, 3, 4], inPartition.Order());
        Assert.Equal([0, 1, 2, 3, 4], across.Order());
    }
}
