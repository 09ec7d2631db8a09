using System.Collections.Immutable;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>How much of an item was ever added, in the order items were first added.</summary>
/// <param name="Overcount">
/// How much of <paramref name="Collected"/> may belong to items it replaced (see <see cref="InventoryView.MaxCollectedTracked"/>):
/// the true total is from <c>Collected - Overcount</c> to <c>Collected</c>. Zero (exact) until more distinct items were
/// ever added than the view tracks.
/// </param>
public sealed record CollectedItem(string ItemId, long Collected, long Overcount = 0);

/// <summary>When and why the projector stopped applying an inventory's events.</summary>
public sealed record Parking(DateTimeOffset At, string Reason);

/// <summary>
/// The read model of one inventory, kept by the change-feed projector: counts held, totals ever added per item
/// (in first-added order, which breaks ties in "most collected" as Python's <c>Counter.most_common</c> does), and
/// the last applied event version, which makes applying idempotent.
/// </summary>
/// <param name="SkippedVersions">Versions whose documents could not be decoded: reported to the poison queue, not applied.</param>
public sealed record InventoryView(
    string InventoryId,
    long Version,
    ImmutableSortedDictionary<string, int> Items,
    ImmutableList<CollectedItem> Collected,
    ImmutableList<long> SkippedVersions,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// How many items the view keeps totals for. Up to this many distinct items ever added, every total is exact.
    /// Beyond it (an inventory may see 100,000 distinct ids in its life) the view keeps a bounded summary instead of
    /// growing for ever: a new item takes the place of the least collected one and inherits its total as
    /// <see cref="CollectedItem.Overcount"/> (the Space-Saving rule, Metwally, Agrawal and El Abbadi 2005). Every item
    /// whose true total is above (all units ever added) / <see cref="MaxCollectedTracked"/> is then still listed, and
    /// no total is under-counted. With <see cref="InventoryRules.MaxDistinctItemsHeld"/> this keeps the view document
    /// under 1 MB with the longest ids (DocumentBudgetTests).
    /// </summary>
    public const int MaxCollectedTracked = 250;

    /// <summary>
    /// Set when the projector parked this inventory: a permanent failure (a hole in its log, a view the store refuses)
    /// outlived its attempts. A parked view stays at <see cref="Version"/>, applies no later event until a rebuild
    /// repairs it, and says so on every read.
    /// </summary>
    public Parking? Parked { get; init; }

    /// <summary>
    /// Deliveries in a row in which projecting this inventory failed for good (the projector parks it at
    /// <see cref="InventoryProjector.MaxPermanentFailures"/>). Stored, so a restart or another instance goes on counting.
    /// </summary>
    public int FailedDeliveries { get; init; }

    /// <summary>How many of the latest skipped versions the view lists (the poison queue has every one).</summary>
    public const int MaxSkippedVersionsListed = 100;

    public static InventoryView Empty(string inventoryId) => new(
        inventoryId, 0, ImmutableSortedDictionary.Create<string, int>(StringComparer.Ordinal), [], [], DateTimeOffset.MinValue);

    /// <summary>
    /// Applies the event at <c>Version + 1</c>; anything at or below <see cref="Version"/> was applied already and
    /// changes nothing (the change feed delivers at least once). Counts change as the domain's
    /// <see cref="Inventory.Evolve(InventoryState, RecordedEvent)"/> says, which also checks the sequence.
    /// </summary>
    /// <exception cref="ArgumentException">The event does not follow <see cref="Version"/>.</exception>
    public InventoryView Apply(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.Version <= Version)
            return this;

        var items = Inventory.Evolve(InventoryState.Trusted(Version, Items), recorded).Items;
        // Collected: units that entered the inventory, added or received in a transfer; a refund gives back units it had.
        var collected = recorded.Event is ItemAdded or ItemTransferredIn ? AddCollected(Collected, recorded.Event) : Collected;
        return this with { Version = recorded.Version, Items = items, Collected = collected, UpdatedAt = Later(recorded.OccurredAt) };
    }

    /// <summary>Moves past a version whose document cannot be decoded, without changing any count.</summary>
    public InventoryView Skip(long version, DateTimeOffset now) => !Inventory.IsNext(Version, version)
        ? throw new ArgumentException($"Version {version} does not follow {Version}.", nameof(version))
        : this with
        {
            Version = version,
            SkippedVersions = (SkippedVersions.Count < MaxSkippedVersionsListed ? SkippedVersions : SkippedVersions.RemoveAt(0)).Add(version),
            UpdatedAt = Later(now),
        };

    /// <summary>The <paramref name="top"/> items by total ever added; ties go to the item first added earlier.</summary>
    public IReadOnlyList<CollectedItem> MostCollected(int top) =>
        [.. Collected.Select((item, order) => (item, order)).OrderByDescending(x => x.item.Collected).ThenBy(x => x.order).Take(top).Select(x => x.item)];

    private static ImmutableList<CollectedItem> AddCollected(ImmutableList<CollectedItem> collected, InventoryEvent added)
    {
        var index = collected.FindIndex(c => c.ItemId == added.ItemId);
        if (index >= 0)
            return collected.SetItem(index, collected[index] with { Collected = collected[index].Collected + added.Quantity });
        if (collected.Count < MaxCollectedTracked)
            return collected.Add(new CollectedItem(added.ItemId, added.Quantity));

        // Full: the newcomer replaces the least collected item (of equals, the one first added latest), whose total it
        // may have had unseen, and goes last in first-added order.
        var least = collected.Count - 1;
        for (var i = collected.Count - 2; i >= 0; i--)
        {
            if (collected[i].Collected < collected[least].Collected)
                least = i;
        }

        var floor = collected[least].Collected;
        return collected.RemoveAt(least).Add(new CollectedItem(added.ItemId, floor + added.Quantity, floor));
    }

    private DateTimeOffset Later(DateTimeOffset candidate) => candidate > UpdatedAt ? candidate : UpdatedAt;
}
