namespace InventoryFunctions.Domain;

/// <summary>
/// An event as it stands in an inventory's stream: <paramref name="Version"/> is its position
/// (1, 2, 3, ... contiguous per inventory) and <paramref name="OccurredAt"/> when it was decided.
/// </summary>
/// <remarks>
/// <see cref="OccurredAt"/> is always held in UTC (offset zero): any other offset is converted to the
/// same instant in UTC, both on construction and in <c>with</c> expressions.
/// </remarks>
public sealed record RecordedEvent(long Version, DateTimeOffset OccurredAt, InventoryEvent Event)
{
    /// <summary>The position of the event in its stream, starting at 1.</summary>
    public long Version { get; init => field = RequirePositive(value); } = RequirePositive(Version);

    /// <summary>When the event was decided, in UTC.</summary>
    public DateTimeOffset OccurredAt { get; init => field = value.ToUniversalTime(); } = OccurredAt.ToUniversalTime();

    /// <summary>The fact itself.</summary>
    public InventoryEvent Event { get; init => field = value ?? throw new ArgumentNullException(nameof(Event)); }
        = Event ?? throw new ArgumentNullException(nameof(Event));

    /// <summary>Who caused the event; null for events recorded before actors were (actor unknown).</summary>
    public Actor? Actor { get; init; }

    private static long RequirePositive(long version) => version >= 1
        ? version
        : throw new ArgumentOutOfRangeException(nameof(version), version, "An event's version starts at 1.");
}
