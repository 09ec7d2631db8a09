using System.Text.Json;
using InventoryFunctions.Projections;

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

/// <summary>The stored shape of a view of any kind, reached by its type: what a store of several kinds of view uses.</summary>
public abstract class ViewCodec
{
    private ViewCodec()
    {
    }

    public abstract string Id { get; }

    public abstract string PartId(int bucket);

    public abstract byte[] Encode(IVersionedView view);

    public abstract IEnumerable<(string Id, byte[] Document)> EncodeChangedParts(IVersionedView view);

    /// <inheritdoc cref="IViewCodec{TView}.Decode"/>
    public abstract IVersionedView Decode(JsonElement document);

    /// <inheritdoc cref="IViewCodec{TView}.WithParts"/>
    public abstract IVersionedView WithParts(IVersionedView view, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts);

    /// <summary>The codec of every per-inventory view, by the view's type.</summary>
    public static IReadOnlyDictionary<Type, ViewCodec> All { get; } = new Dictionary<Type, ViewCodec>
    {
        [typeof(InventoryView)] = new Erased<InventoryView>(new InventoryViewCodec()),
        [typeof(CollectedView)] = new Erased<CollectedView>(new CollectedViewDocument()),
        [typeof(DwellTimeView)] = new Erased<DwellTimeView>(new DwellTimeDocument()),
    };

    public static ViewCodec Of(Type view) =>
        All.TryGetValue(view, out var codec) ? codec : throw new ArgumentException($"{view.Name} has no stored shape.", nameof(view));

    private sealed class Erased<TView>(IViewCodec<TView> codec) : ViewCodec where TView : class, IVersionedView
    {
        public override string Id => codec.Id;

        public override string PartId(int bucket) => codec.PartId(bucket);

        public override byte[] Encode(IVersionedView view) => codec.Encode((TView)view);

        public override IEnumerable<(string Id, byte[] Document)> EncodeChangedParts(IVersionedView view) => codec.EncodeChangedParts((TView)view);

        public override IVersionedView Decode(JsonElement document) => codec.Decode(document);

        public override IVersionedView WithParts(IVersionedView view, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts) =>
            codec.WithParts((TView)view, buckets, parts);
    }
}
