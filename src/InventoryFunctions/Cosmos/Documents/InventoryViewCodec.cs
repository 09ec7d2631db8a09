using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary><see cref="InventoryView"/> as a view of the one store: its root is <see cref="InventoryViewDocument"/>, and it has no parts.</summary>
public sealed class InventoryViewCodec : IViewCodec<InventoryView>
{
    public string Id => InventoryViewDocument.Id;

    public string PartId(int bucket) => throw new NotSupportedException("The inventory view is one document.");

    public string InventoryIdOf(InventoryView view) => view.InventoryId;

    public IEnumerable<(string Id, byte[] Document)> EncodeChangedParts(InventoryView view) => [];

    public InventoryView WithParts(InventoryView view, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts) => view;

    public byte[] Encode(InventoryView view) => InventoryViewDocument.Encode(view);

    public InventoryView Decode(JsonElement document) => InventoryViewDocument.Decode(document);
}
