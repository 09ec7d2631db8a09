using System.Text.Json;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>The stored shape of a per-inventory view: its document id in the inventory's partition, and both directions.</summary>
public interface IViewCodec<TView>
{
    string Id { get; }

    string InventoryIdOf(TView view);

    byte[] Encode(TView view);

    /// <summary>Reads a stored view; a document that is not one throws <see cref="InvalidDataException"/>.</summary>
    TView Decode(JsonElement document);
}
