using System.Text.Json;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The stored shape of a per-inventory view: its root document's id in the inventory's partition, its part documents'
/// ids, and both directions for each.
/// </summary>
public interface IViewCodec<TView>
{
    string Id { get; }

    string PartId(int bucket);

    string InventoryIdOf(TView view);

    /// <summary>The root document.</summary>
    byte[] Encode(TView view);

    /// <summary>The parts changed since the view was read or last written: what a write carries besides the root.</summary>
    IEnumerable<(string Id, byte[] Document)> EncodeChangedParts(TView view);

    /// <summary>Reads a stored root; a document that is not one throws <see cref="InvalidDataException"/>.</summary>
    TView Decode(JsonElement document);

    /// <summary>
    /// The view with the parts of <paramref name="buckets"/> loaded from <paramref name="parts"/> (a bucket with no
    /// document of the view's generation is empty); a part that is not one throws <see cref="InvalidDataException"/>.
    /// </summary>
    TView WithParts(TView view, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts);
}
