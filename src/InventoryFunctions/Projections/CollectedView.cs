using System.Collections.Immutable;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>How much of an item was ever added (units; removals do not lower it).</summary>
/// <param name="Overcount">Always 0 in this view (its totals are exact); kept for clients of the API's earlier answers.</param>
public sealed record CollectedItem(string ItemId, long Collected, long Overcount = 0);

/// <summary>An item's total ever added and its place in first-added order (0 for the first item the inventory saw).</summary>
/// <param name="Overcount">Only on totals served from an inventory view's old, approximate list (<see cref="InventoryView.LegacyCollected"/>).</param>
public sealed record CollectedTotal(string ItemId, long Collected, long FirstAdded, long Overcount = 0)
{
    /// <summary>Ranks as Python's <c>Counter.most_common</c> does: larger totals first, of equals the item first added earlier.</summary>
    public bool RanksBefore(CollectedTotal other) => Collected > other.Collected || (Collected == other.Collected && FirstAdded < other.FirstAdded);
}

/// <summary>The totals of the items of one bucket (a part document of <see cref="CollectedView"/>).</summary>
public sealed record CollectedBucket(int Bucket, ImmutableSortedDictionary<string, CollectedTotal> Totals) : IViewPart<CollectedBucket>
{
    public static CollectedBucket Empty(int bucket) => new(bucket, ImmutableSortedDictionary.Create<string, CollectedTotal>(StringComparer.Ordinal));

    public int Count => Totals.Count;
}

/// <summary>
/// "Most collected" of one inventory, exact at any number of distinct items ever added: every item's total lives in a
/// part (<see cref="ViewParts{TPart}"/>), and the root keeps the <see cref="MaxTop"/> best ranked. Totals only grow, so
/// the list stays the exact top: an item outside it can only enter when its total rises, and then its part holds its
/// exact total, which is compared with the last entry. A read is one point read of the root.
/// </summary>
public sealed record CollectedView(string InventoryId, long Version, long DistinctAdded, ImmutableList<CollectedTotal> Top, ViewParts<CollectedBucket> Parts)
    : IVersionedView<CollectedView>
{
    /// <summary>The largest <c>top</c> the API answers, and how many entries the root keeps.</summary>
    public const int MaxTop = 100;

    public Parking? Parked { get; init; }

    public int FailedDeliveries { get; init; }

    public bool Continuable { get; init; } = true;

    public static CollectedView Empty(string inventoryId) => new(inventoryId, 0, 0, [], ViewParts.Fresh<CollectedBucket>());

    public static IEnumerable<int> PartsFor(RecordedEvent recorded) =>
        Collects(recorded.Event) ? [ViewParts.BucketOf(recorded.Event.ItemId)] : [];

    /// <summary>Units that entered the inventory count as collected: added, or received in a transfer (a refund gives back units it had).</summary>
    private static bool Collects(InventoryEvent e) => e is ItemAdded or ItemTransferredIn;

    CollectedView IVersionedView<CollectedView>.Skip(long version, DateTimeOffset detectedAt) => Skip(version);

    public CollectedView WithFailures(int failedDeliveries, Parking? parked) => this with { FailedDeliveries = failedDeliveries, Parked = parked };

    public bool IsLoaded(int bucket) => Parts.IsLoaded(bucket);

    public CollectedView WithEmptyParts(IEnumerable<int> buckets) => this with { Parts = Parts.WithLoaded(buckets, []) };

    public int ChangedParts => Parts.Changed.Count;

    public long ChangedItems => Parts.ChangedItems;

    public CollectedView Saved() => this with { Parts = Parts.Saved() };

    /// <exception cref="ArgumentException">The event does not follow <see cref="Version"/>.</exception>
    public CollectedView Apply(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.Version <= Version)
            return this;
        var next = Skip(recorded.Version);
        if (!Collects(recorded.Event))
            return next;
        var added = recorded.Event;

        var bucket = Parts[ViewParts.BucketOf(added.ItemId)];
        var known = bucket.Totals.GetValueOrDefault(added.ItemId);
        var total = new CollectedTotal(added.ItemId, (known?.Collected ?? 0) + added.Quantity, known?.FirstAdded ?? DistinctAdded);
        return next with
        {
            DistinctAdded = known is null ? DistinctAdded + 1 : DistinctAdded,
            Parts = Parts.Set(bucket with { Totals = bucket.Totals.SetItem(added.ItemId, total) }),
            Top = Ranked(Top, total),
        };
    }

    /// <summary>Moves past a version that changes no total (an undecodable document).</summary>
    public CollectedView Skip(long version) => !Inventory.IsNext(Version, version)
        ? throw new ArgumentException($"Version {version} does not follow {Version}.", nameof(version))
        : this with { Version = version };

    /// <summary>The <paramref name="top"/> (at most <see cref="MaxTop"/>) items by total ever added; ties go to the item first added earlier.</summary>
    public IReadOnlyList<CollectedItem> MostCollected(int top) => [.. Top.Take(top).Select(t => new CollectedItem(t.ItemId, t.Collected, t.Overcount))];

    private static ImmutableList<CollectedTotal> Ranked(ImmutableList<CollectedTotal> top, CollectedTotal total)
    {
        var others = top.RemoveAll(t => t.ItemId == total.ItemId);
        if (others.Count == MaxTop && !total.RanksBefore(others[^1]))
            return others;
        var at = others.FindIndex(t => total.RanksBefore(t));
        var ranked = at < 0 ? others.Add(total) : others.Insert(at, total);
        return ranked.Count > MaxTop ? ranked.RemoveAt(MaxTop) : ranked;
    }
}
