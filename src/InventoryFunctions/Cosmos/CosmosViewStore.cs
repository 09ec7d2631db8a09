using System.Net;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Per-inventory views of one kind in the projections container (partition key: the inventory id, document id: the
/// codec's), read with one point read and written with one etag-guarded create or replace.
/// </summary>
public sealed class CosmosViewStore<TView>(CosmosClient client, IOptions<CosmosOptions> options, IViewCodec<TView> codec) : IViewStore<TView>
    where TView : class
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<Stored<TView>?> ReadAsync(string inventoryId, CancellationToken cancellationToken)
    {
        using var response = await _projections.ReadItemStreamAsync(codec.Id, new PartitionKey(inventoryId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        try
        {
            using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
            return new Stored<TView>(codec.Decode(document.RootElement), response.Headers.ETag);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return new Stored<TView>(null, response.Headers.ETag);
        }
    }

    public async Task<bool> TryWriteAsync(TView view, string? etag, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(codec.Encode(view));
        var partitionKey = new PartitionKey(codec.InventoryIdOf(view));
        using var response = etag is null
            ? await _projections.CreateItemStreamAsync(body, partitionKey, cancellationToken: cancellationToken)
            : await _projections.ReplaceItemStreamAsync(body, codec.Id, partitionKey, new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            return false;
        // Permanent for this view (too large, malformed): the projector parks the inventory instead of retrying for ever.
        if (response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest)
            throw new ViewRejectedException(codec.InventoryIdOf(view), $"Cosmos DB refused the {codec.Id} document ({(int)response.StatusCode} {response.StatusCode}): {response.ErrorMessage}");
        response.EnsureSuccessStatusCode();
        return true;
    }
}
