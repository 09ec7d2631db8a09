using System.Collections.Immutable;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>When and why the projector stopped applying an inventory's events.</summary>
public sealed record Parking(DateTimeOffset At, string Reason);

/// <summary>
/// The read model of one inventory, kept by the change-feed projector: counts held and the last applied event
/// version, which makes applying idempotent. Totals ever added ("most collected") are a view of their own,
/// <see cref="CollectedView"/>, which stays exact at any number of distinct items.
/// </summary>
/// <param name="SkippedVersions">Versions whose documents could not be decoded: reported to the poison queue, not applied.</param>
public sealed record InventoryView(
    string InventoryId,
    long Version,
    ImmutableSortedDictionary<string, int> Items,
    ImmutableList<long> SkippedVersions,
    DateTimeOffset UpdatedAt) : IVersionedView<InventoryView>
{
    /// <summary>
    /// The bounded, approximate totals this document carried before <see cref="CollectedView"/> existed (its
    /// <c>collected</c> array). Never changed again: kept as stored, and served only while an inventory's collected
    /// view has not been written yet.
    /// </summary>
    public ImmutableList<CollectedItem>? LegacyCollected { get; init; }

    /// <summary>
    /// Set when the projector parked this inventory: a permanent failure (a hole in its log, a view the store refuses)
    /// outlived its attempts. A parked view stays at <see cref="Version"/>, applies no later event until a rebuild
    /// repairs it, and says so on every read.
    /// </summary>
    public Parking? Parked { get; init; }

    /// <summary>
    /// Deliveries in a row in which projecting this inventory failed for good (the projector parks it at
    /// <see cref="PermanentFailure.MaxDeliveries"/>). Stored, so a restart or another instance goes on counting.
    /// </summary>
    public int FailedDeliveries { get; init; }

    /// <summary>How many of the latest skipped versions the view lists (the poison queue has every one).</summary>
    public const int MaxSkippedVersionsListed = 100;

    public static InventoryView Empty(string inventoryId) => new(
        inventoryId, 0, ImmutableSortedDictionary.Create<string, int>(StringComparer.Ordinal), [], DateTimeOffset.MinValue);

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
        return this with { Version = recorded.Version, Items = items, UpdatedAt = Later(recorded.OccurredAt) };
    }

    /// <summary>Moves past a version whose document cannot be decoded, without changing any count.</summary>
    public InventoryView Skip(long version, DateTimeOffset detectedAt) => !Inventory.IsNext(Version, version)
        ? throw new ArgumentException($"Version {version} does not follow {Version}.", nameof(version))
        : this with
        {
            Version = version,
            SkippedVersions = (SkippedVersions.Count < MaxSkippedVersionsListed ? SkippedVersions : SkippedVersions.RemoveAt(0)).Add(version),
            UpdatedAt = Later(detectedAt),
        };

    public InventoryView WithFailures(int failedDeliveries, Parking? parked) => this with { FailedDeliveries = failedDeliveries, Parked = parked };

    private DateTimeOffset Later(DateTimeOffset candidate) => candidate > UpdatedAt ? candidate : UpdatedAt;
}
