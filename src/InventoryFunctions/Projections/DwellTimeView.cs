using System.Collections.Immutable;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>Units of an item still held that were added at <paramref name="AddedAt"/> (or, after a merge, on average then).</summary>
public sealed record HeldRun(DateTimeOffset AddedAt, long Units);

/// <summary>
/// How long units of one item stayed: the units still held as first-in first-out runs, and over the units removed so
/// far their number, the exact sum of their dwells (seconds, decimal so a mean is exact to the tick) and a histogram.
/// </summary>
public sealed record ItemDwell(string ItemId, ImmutableList<HeldRun> Held, long Removed, decimal TotalSeconds, ImmutableSortedDictionary<int, long> Histogram)
{
    public static ItemDwell Empty(string itemId) => new(itemId, [], 0, 0m, ImmutableSortedDictionary<int, long>.Empty);

    public long HeldUnits => Held.Sum(run => run.Units);
}

/// <summary>The items of one bucket (a part document of <see cref="DwellTimeView"/>): held runs and removed statistics per item.</summary>
public sealed record DwellBucket(int Bucket, ImmutableSortedDictionary<string, ItemDwell> Items) : IViewPart<DwellBucket>
{
    public static DwellBucket Empty(int bucket) => new(bucket, ImmutableSortedDictionary.Create<string, ItemDwell>(StringComparer.Ordinal));

    public int Count => Items.Count;
}

/// <summary>The units of an item held now, and the instant the oldest of them was added (exact: the oldest run is never merged).</summary>
public sealed record HeldSince(DateTimeOffset OldestAddedAt, long Units);

/// <summary>
/// The dwell-time view of one inventory, a second projection of the log kept by the change feed: units are matched
/// first in, first out per item; a removal of q units ends the dwell of the q oldest units held, dwell = the removal's
/// occurredAt − the adding event's occurredAt, clamped at 0 when instants go back. Idempotent by version like the
/// inventory view: events at or below <see cref="Version"/> change nothing.
/// </summary>
/// <remarks>
/// Bounded at any history: every item's dwell (<see cref="ItemDwell"/>) lives in a part (<see cref="ViewParts{TPart}"/>);
/// the root holds only what is held now per item (<see cref="Holding"/>, bounded by the inventory's held limits) and
/// the statistics over all removed units (<see cref="All"/>: a count, an exact sum and a bounded histogram). Per item at
/// most <see cref="MaxRunsPerItem"/> runs of held units (past that the two adjacent runs closest in time, never the
/// oldest, merge into one at their unit-weighted mean instant: a unit's dwell is then off by at most the time span of
/// the runs merged into its run; the oldest run is never merged, so it stays exact until that run is removed) and a
/// histogram of at most ~310 buckets (see <see cref="DwellHistogram"/>).
/// </remarks>
public sealed record DwellTimeView(string InventoryId, long Version, ImmutableSortedDictionary<string, HeldSince> Holding, ItemDwell All,
    ImmutableList<long> SkippedVersions, ViewParts<DwellBucket> Parts)
    : IVersionedView<DwellTimeView>
{
    public const int MaxRunsPerItem = 32;

    /// <summary>How many of the latest skipped versions the view lists.</summary>
    public const int MaxSkippedVersionsListed = InventoryView.MaxSkippedVersionsListed;

    public Parking? Parked { get; init; }

    public int FailedDeliveries { get; init; }

    public bool Continuable { get; init; } = true;

    DwellTimeView IVersionedView<DwellTimeView>.Skip(long version, DateTimeOffset detectedAt) => Skip(version);

    public DwellTimeView WithFailures(int failedDeliveries, Parking? parked) => this with { FailedDeliveries = failedDeliveries, Parked = parked };

    public static DwellTimeView Empty(string inventoryId) =>
        new(inventoryId, 0, ImmutableSortedDictionary.Create<string, HeldSince>(StringComparer.Ordinal), ItemDwell.Empty(""), [], ViewParts.Fresh<DwellBucket>());

    public static IEnumerable<int> PartsFor(RecordedEvent recorded) => [ViewParts.BucketOf(recorded.Event.ItemId)];

    public bool IsLoaded(int bucket) => Parts.IsLoaded(bucket);

    public DwellTimeView WithEmptyParts(IEnumerable<int> buckets) => this with { Parts = Parts.WithLoaded(buckets, []) };

    public int ChangedParts => Parts.Changed.Count;

    public long ChangedItems => Parts.ChangedItems;

    public DwellTimeView Saved() => this with { Parts = Parts.Saved() };

    /// <summary>The items of the loaded parts, by id.</summary>
    public ImmutableSortedDictionary<string, ItemDwell> LoadedItems =>
        Parts.Loaded.Values.SelectMany(part => part.Items).ToImmutableSortedDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);

    /// <summary>Applies the event at <c>Version + 1</c>; anything at or below <see cref="Version"/> changes nothing.</summary>
    /// <exception cref="ArgumentException">The event does not follow <see cref="Version"/>.</exception>
    public DwellTimeView Apply(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.Version <= Version)
            return this;
        if (!Inventory.IsNext(Version, recorded.Version))
            throw new ArgumentException($"Expected event version {Version + 1} but got {recorded.Version}.", nameof(recorded));

        var itemId = recorded.Event.ItemId;
        var bucket = Parts[ViewParts.BucketOf(itemId)];
        var item = bucket.Items.GetValueOrDefault(itemId);
        var all = All;
        var changed = recorded.Event switch
        {
            // Units that enter (added, received in a transfer, refunded) start their dwell at that event.
            ItemAdded or ItemTransferredIn or ItemRefunded => Add(item ?? ItemDwell.Empty(itemId), recorded.OccurredAt, recorded.Event.Quantity),
            // Units that leave (removed, sent in a transfer) end it, first in first out. A legacy blind removal of more
            // than is held ends what is held; units never added have no dwell.
            ItemRemoved or ItemTransferredOut => item is null ? null : Remove(item, recorded.OccurredAt, recorded.Event.Quantity, ref all),
            _ => throw new ArgumentException($"Unknown event {recorded.Event.GetType().Name}.", nameof(recorded)),
        };
        if (changed is null)
            return this with { Version = recorded.Version };
        return this with
        {
            Version = recorded.Version,
            All = all,
            Holding = changed.Held.Count == 0 ? Holding.Remove(itemId) : Holding.SetItem(itemId, new HeldSince(changed.Held[0].AddedAt, changed.HeldUnits)),
            Parts = Parts.Set(bucket with { Items = bucket.Items.SetItem(itemId, changed) }),
        };
    }

    /// <summary>Moves past a version whose document cannot be decoded (the inventory projector reports it).</summary>
    public DwellTimeView Skip(long version) => !Inventory.IsNext(Version, version)
        ? throw new ArgumentException($"Version {version} does not follow {Version}.", nameof(version))
        : this with
        {
            Version = version,
            SkippedVersions = (SkippedVersions.Count < MaxSkippedVersionsListed ? SkippedVersions : SkippedVersions.RemoveAt(0)).Add(version),
        };

    private static ItemDwell Add(ItemDwell item, DateTimeOffset at, long units)
    {
        var held = item.Held;
        held = held.Count > 0 && held[^1].AddedAt == at
            ? held.SetItem(held.Count - 1, held[^1] with { Units = held[^1].Units + units })
            : held.Add(new HeldRun(at, units));
        if (held.Count > MaxRunsPerItem)
            held = MergeClosest(held);
        return item with { Held = held };
    }

    private static ItemDwell Remove(ItemDwell item, DateTimeOffset at, long units, ref ItemDwell all)
    {
        var held = item.Held;
        var (removed, total, histogram) = (item.Removed, item.TotalSeconds, item.Histogram);
        while (units > 0 && held.Count > 0)
        {
            var oldest = held[0];
            var taken = Math.Min(units, oldest.Units);
            var dwell = Math.Max(0m, (at - oldest.AddedAt).Ticks / (decimal)TimeSpan.TicksPerSecond);
            removed += taken;
            total += dwell * taken;
            histogram = DwellHistogram.Add(histogram, (double)dwell, taken);
            all = all with { Removed = all.Removed + taken, TotalSeconds = all.TotalSeconds + dwell * taken, Histogram = DwellHistogram.Add(all.Histogram, (double)dwell, taken) };
            units -= taken;
            held = taken == oldest.Units ? held.RemoveAt(0) : held.SetItem(0, oldest with { Units = oldest.Units - taken });
        }
        return item with { Held = held, Removed = removed, TotalSeconds = total, Histogram = histogram };
    }

    /// <summary>Merges the two adjacent runs closest in time, leaving the oldest run alone.</summary>
    private static ImmutableList<HeldRun> MergeClosest(ImmutableList<HeldRun> held)
    {
        var best = 1;
        for (var i = 2; i < held.Count - 1; i++)
        {
            if (held[i + 1].AddedAt - held[i].AddedAt < held[best + 1].AddedAt - held[best].AddedAt)
                best = i;
        }
        var (a, b) = (held[best], held[best + 1]);
        var units = a.Units + b.Units;
        var meanTicks = ((Int128)a.AddedAt.UtcTicks * a.Units + (Int128)b.AddedAt.UtcTicks * b.Units + units / 2) / units;
        return held.RemoveAt(best + 1).SetItem(best, new HeldRun(new DateTimeOffset((long)meanTicks, TimeSpan.Zero), units));
    }
}
