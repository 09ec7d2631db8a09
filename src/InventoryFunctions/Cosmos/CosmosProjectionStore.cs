using System.Net;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>Inventory views in the projections container: one document per inventory, read with one point read.</summary>
public sealed class CosmosProjectionStore(CosmosClient client, IOptions<CosmosOptions> options) : IProjectionStore
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<StoredView?> ReadAsync(string inventoryId, CancellationToken cancellationToken)
    {
        using var response = await _projections.ReadItemStreamAsync(ProjectionDocument.Id, new PartitionKey(inventoryId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        try
        {
            using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
            return new StoredView(ProjectionDocument.Decode(document.RootElement), response.Headers.ETag);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return new StoredView(null, response.Headers.ETag);
        }
    }

    public async Task<bool> TryWriteAsync(InventoryView view, string? etag, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(ProjectionDocument.Encode(view));
        var partitionKey = new PartitionKey(view.InventoryId);
        using var response = etag is null
            ? await _projections.CreateItemStreamAsync(body, partitionKey, cancellationToken: cancellationToken)
            : await _projections.ReplaceItemStreamAsync(body, ProjectionDocument.Id, partitionKey, new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            return false;
        if (response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest)
            throw new ViewRejectedException(view.InventoryId, $"Cosmos DB refused the view ({(int)response.StatusCode} {response.StatusCode}): {response.ErrorMessage}");
        response.EnsureSuccessStatusCode();
        return true;
    }
}
