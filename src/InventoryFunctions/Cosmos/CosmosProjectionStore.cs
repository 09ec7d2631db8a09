using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>Inventory views in the projections container: one document per inventory (no parts), read with one point read.</summary>
public sealed class CosmosProjectionStore(CosmosClient client, IOptions<CosmosOptions> options) : IProjectionStore
{
    private readonly CosmosViewStore<InventoryView> _views = new(client, options, new Codec());

    public async Task<StoredView?> ReadAsync(string inventoryId, CancellationToken cancellationToken) =>
        await _views.ReadAsync(inventoryId, [], cancellationToken) is { } stored ? new StoredView(stored.View, stored.ETag) : null;

    public async Task<bool> TryWriteAsync(InventoryView view, string? etag, CancellationToken cancellationToken) =>
        await _views.TryWriteAsync(view, etag, cancellationToken) is not null;

    private sealed class Codec : IViewCodec<InventoryView>
    {
        public string Id => ProjectionDocument.Id;

        public string PartId(int bucket) => throw new NotSupportedException("The inventory view is one document.");

        public string InventoryIdOf(InventoryView view) => view.InventoryId;

        public IEnumerable<(string Id, byte[] Document)> EncodeChangedParts(InventoryView view) => [];

        public InventoryView WithParts(InventoryView view, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts) => view;

        public byte[] Encode(InventoryView view) => ProjectionDocument.Encode(view);

        public InventoryView Decode(JsonElement document) => ProjectionDocument.Decode(document);
    }
}
