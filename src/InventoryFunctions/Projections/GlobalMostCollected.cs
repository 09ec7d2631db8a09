using System.Collections.Immutable;
using System.Text;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>
/// Where an item was first added anywhere: the least (occurredAt, inventoryId ordinal, version) over all its adding
/// events. Ranking all adding events this way and feeding them to Python's <c>Counter</c> in that order makes
/// <c>most_common</c> break ties exactly as <see cref="GlobalMostCollected.Top"/> does.
/// </summary>
public sealed record FirstAdded(DateTimeOffset At, string InventoryId, long Version)
{
    /// <summary>Earlier first: by instant, then inventory id (ordinal), then version.</summary>
    public static IComparer<FirstAdded> Order { get; } = Comparer<FirstAdded>.Create((a, b) =>
        a.At != b.At ? a.At.CompareTo(b.At)
        : string.CompareOrdinal(a.InventoryId, b.InventoryId) is var byId and not 0 ? byId
        : a.Version.CompareTo(b.Version));

    public static FirstAdded Earlier(FirstAdded a, FirstAdded b) => Order.Compare(a, b) <= 0 ? a : b;
}

/// <summary>Units of an item ever added, and where it was first added.</summary>
public sealed record ItemTotal(string ItemId, long Collected, FirstAdded First);

/// <summary>
/// The counters of one shard (inventories hashed to it) for one bucket (items hashed to it). Only this shard's
/// inventories update it, together with their watermarks in the same partition.
/// </summary>
public sealed record CollectedCounts(int Shard, int Bucket, ImmutableSortedDictionary<string, ItemTotal> Items)
{
    /// <summary>An upper bound of the stored document's size: ids, numbers and an instant per item, plus the header.</summary>
    public long EstimatedBytes => 200 + Items.Values.Sum(t => 80L + 2 * (t.ItemId.Length + t.First.InventoryId.Length));

    public static CollectedCounts Empty(int shard, int bucket) => new(shard, bucket, ImmutableSortedDictionary.Create<string, ItemTotal>(StringComparer.Ordinal));

    public CollectedCounts Add(string inventoryId, RecordedEvent added)
    {
        var first = new FirstAdded(added.OccurredAt, inventoryId, added.Version);
        var total = Items.TryGetValue(added.Event.ItemId, out var existing)
            ? existing with { Collected = existing.Collected + added.Event.Quantity, First = FirstAdded.Earlier(existing.First, first) }
            : new ItemTotal(added.Event.ItemId, added.Event.Quantity, first);
        return this with { Items = Items.SetItem(total.ItemId, total) };
    }
}

/// <summary>
/// The global most-collected board: per item bucket, the <see cref="GlobalMostCollected.MaxTop"/> best items over
/// every shard. Buckets partition the items, so the global top N is the top N of the union of the buckets' tops.
/// </summary>
public sealed record CollectedBoard(ImmutableSortedDictionary<int, ImmutableList<ItemTotal>> Buckets)
{
    public static CollectedBoard Empty { get; } = new(ImmutableSortedDictionary<int, ImmutableList<ItemTotal>>.Empty);

    public CollectedBoard With(int bucket, IReadOnlyList<ItemTotal> top) => new(Buckets.SetItem(bucket, [.. top]));

    public IReadOnlyList<ItemTotal> Top(int n) => GlobalMostCollected.Top(Buckets.Values.SelectMany(b => b), n);
}

/// <summary>The one place that shards inventories, buckets items and ranks totals.</summary>
public static class GlobalMostCollected
{
    public const int MaxTop = 100;
    public const int Shards = 8;
    public const int Buckets = 64;

    public static int ShardOf(string inventoryId) => (int)(Fnv1a(inventoryId) % Shards);

    public static int BucketOf(string itemId) => (int)(Fnv1a(itemId) % Buckets);

    /// <summary>Most collected first; ties go to the item first added earlier (see <see cref="FirstAdded"/>).</summary>
    public static IReadOnlyList<ItemTotal> Top(IEnumerable<ItemTotal> totals, int n) =>
        [.. totals.OrderByDescending(t => t.Collected).ThenBy(t => t.First, FirstAdded.Order).Take(n)];

    /// <summary>One bucket's totals over its shards' counters: counts summed, the earliest first-added kept.</summary>
    public static IReadOnlyList<ItemTotal> Merge(IEnumerable<CollectedCounts> shardsOfOneBucket)
    {
        var merged = new Dictionary<string, ItemTotal>(StringComparer.Ordinal);
        foreach (var total in shardsOfOneBucket.SelectMany(c => c.Items.Values))
        {
            merged[total.ItemId] = merged.TryGetValue(total.ItemId, out var seen)
                ? seen with { Collected = seen.Collected + total.Collected, First = FirstAdded.Earlier(seen.First, total.First) }
                : total;
        }
        return [.. merged.Values];
    }

    // A stable hash (string.GetHashCode differs per process): FNV-1a over UTF-8.
    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 16777619u;
        return hash;
    }
}
