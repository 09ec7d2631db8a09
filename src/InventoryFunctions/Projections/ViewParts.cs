using System.Collections.Immutable;

namespace InventoryFunctions.Projections;

/// <summary>One part document of a view that spans several in its inventory's partition: the items of one bucket.</summary>
public interface IViewPart<TSelf> where TSelf : IViewPart<TSelf>
{
    static abstract TSelf Empty(int bucket);

    int Bucket { get; }

    /// <summary>How many items the part holds (what decides when a write is split, see <see cref="ViewParts{TPart}.ChangedItems"/>).</summary>
    int Count { get; }
}

/// <summary>How items are spread over the parts of a view (<see cref="ViewParts{TPart}"/>), and how a generation of parts starts.</summary>
public static class ViewParts
{
    public const int Buckets = 1024;

    /// <summary>A new generation with no parts, for a view that starts from scratch.</summary>
    public static ViewParts<TPart> Fresh<TPart>() where TPart : class, IViewPart<TPart> => New<TPart>(Guid.NewGuid().ToString("N")[..12]);

    public static ViewParts<TPart> New<TPart>(string generation, IEnumerable<int>? occupied = null) where TPart : class, IViewPart<TPart> =>
        new(generation, [.. occupied ?? []], ImmutableDictionary<int, TPart>.Empty, []);

    /// <summary>The bucket of an item: FNV-1a over its UTF-16 code units, stable across processes and versions.</summary>
    public static int BucketOf(string itemId)
    {
        var hash = 2166136261u;
        foreach (var c in itemId)
            hash = (hash ^ c) * 16777619u;
        return (int)(hash % Buckets);
    }
}

/// <summary>
/// The item-keyed part documents of a view whose per-item state is lifetime data (every item an inventory ever saw):
/// the root stays small and the items are spread over <see cref="ViewParts.Buckets"/> parts by a stable hash of the item id.
/// Only the parts the events at hand touch are loaded, and only the changed ones are written, in one transactional
/// batch with the root (guarded by the root's etag). <see cref="Generation"/> ties parts to the root that wrote them:
/// a rebuild from scratch starts a new generation, so parts an older root wrote read as empty instead of counting twice.
/// </summary>
/// <remarks>
/// Bound: an item's entry is at most ~700 bytes (100 escaped characters of id, a histogram or two counts), so a part
/// stays under 1 MB up to ~1,400 items, i.e. up to about 1.4 million lifetime distinct items with the longest ids and
/// over 10 million with ids of 12 ASCII characters (hash spread aside). Past that a part can outgrow Cosmos DB's 2 MB
/// and the view parks: buckets that split are the next step if an inventory ever sees that many.
/// </remarks>
public sealed record ViewParts<TPart>(string Generation, ImmutableSortedSet<int> Occupied, ImmutableDictionary<int, TPart> Loaded, ImmutableSortedSet<int> Changed)
    where TPart : class, IViewPart<TPart>
{
    public bool IsLoaded(int bucket) => Loaded.ContainsKey(bucket);

    /// <summary>The loaded part of <paramref name="bucket"/>; asking for one not loaded is a bug of the caller.</summary>
    public TPart this[int bucket] => Loaded.TryGetValue(bucket, out var part)
        ? part
        : throw new InvalidOperationException($"Part {bucket} of generation {Generation} is not loaded.");

    /// <summary>These parts as read (a bucket not among them has no document yet: empty).</summary>
    public ViewParts<TPart> WithLoaded(IEnumerable<int> buckets, IEnumerable<TPart> read)
    {
        var loaded = Loaded.ToBuilder();
        foreach (var bucket in buckets)
            loaded.TryAdd(bucket, TPart.Empty(bucket));
        foreach (var part in read)
            loaded[part.Bucket] = part;
        return this with { Loaded = loaded.ToImmutable() };
    }

    public ViewParts<TPart> Set(TPart part) => this with
    {
        Loaded = Loaded.SetItem(part.Bucket, part),
        Changed = Changed.Add(part.Bucket),
        Occupied = Occupied.Add(part.Bucket),
    };

    /// <summary>Items in the changed parts: what the next write carries.</summary>
    public long ChangedItems => Changed.Sum(bucket => (long)Loaded[bucket].Count);

    /// <summary>After a write: nothing changed since.</summary>
    public ViewParts<TPart> Saved() => this with { Changed = [] };
}
