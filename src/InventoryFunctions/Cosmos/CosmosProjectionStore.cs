using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>Inventory views in the projections container: one document per inventory, read with one point read.</summary>
public sealed class CosmosProjectionStore(CosmosClient client, IOptions<CosmosOptions> options) : IProjectionStore
{
    private readonly CosmosViewStore<InventoryView> _views = new(client, options, new Codec());

    public async Task<StoredView?> ReadAsync(string inventoryId, CancellationToken cancellationToken) =>
        await _views.ReadAsync(inventoryId, cancellationToken) is { } stored ? new StoredView(stored.View, stored.ETag) : null;

    public Task<bool> TryWriteAsync(InventoryView view, string? etag, CancellationToken cancellationToken) =>
        _views.TryWriteAsync(view, etag, cancellationToken);

    private sealed class Codec : IViewCodec<InventoryView>
    {
        public string Id => ProjectionDocument.Id;

        public string InventoryIdOf(InventoryView view) => view.InventoryId;

        public byte[] Encode(InventoryView view) => ProjectionDocument.Encode(view);

        public InventoryView Decode(JsonElement document) => ProjectionDocument.Decode(document);
    }
}
