using System.Collections.Immutable;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>How much of an item was ever added, in the order items were first added.</summary>
public sealed record CollectedItem(string ItemId, long Collected);

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
        var collected = recorded.Event is ItemAdded add ? AddCollected(Collected, add) : Collected;
        return this with { Version = recorded.Version, Items = items, Collected = collected, UpdatedAt = Later(recorded.OccurredAt) };
    }

    /// <summary>Moves past a version whose document cannot be decoded, without changing any count.</summary>
    public InventoryView Skip(long version, DateTimeOffset now) => !Inventory.IsNext(Version, version)
        ? throw new ArgumentException($"Version {version} does not follow {Version}.", nameof(version))
        : this with { Version = version, SkippedVersions = SkippedVersions.Add(version), UpdatedAt = Later(now) };

    /// <summary>The <paramref name="top"/> items by total ever added; ties go to the item first added earlier.</summary>
    public IReadOnlyList<CollectedItem> MostCollected(int top) =>
        [.. Collected.Select((item, order) => (item, order)).OrderByDescending(x => x.item.Collected).ThenBy(x => x.order).Take(top).Select(x => x.item)];

    private static ImmutableList<CollectedItem> AddCollected(ImmutableList<CollectedItem> collected, ItemAdded added)
    {
        var index = collected.FindIndex(c => c.ItemId == added.ItemId);
        return index < 0
            ? collected.Add(new CollectedItem(added.ItemId, added.Quantity))
            : collected.SetItem(index, collected[index] with { Collected = collected[index].Collected + added.Quantity });
    }

    private DateTimeOffset Later(DateTimeOffset candidate) => candidate > UpdatedAt ? candidate : UpdatedAt;
}
