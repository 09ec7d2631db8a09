using System.Collections.Immutable;
using System.Text;

namespace InventoryFunctions.Domain;

/// <summary>
/// What an inventory holds after the first <see cref="Version"/> events of its stream.
/// </summary>
/// <remarks>
/// Invariants, checked by the constructor: <see cref="Version"/> is not negative, <see cref="Items"/>
/// uses the ordinal comparer and holds only items with a count above zero.
/// Equality compares the version and the contents of <see cref="Items"/> (records would otherwise
/// compare the dictionaries by reference).
/// The properties are get-only on purpose, so that a <c>with</c> expression cannot bypass the
/// invariants: build states with the constructor, or with <see cref="Inventory.Evolve"/>.
/// </remarks>
public sealed record InventoryState
{
    private static readonly ImmutableSortedDictionary<string, int> NoItems =
        ImmutableSortedDictionary.Create<string, int>(StringComparer.Ordinal);

    /// <summary>The state of an inventory with no events: version 0, no items.</summary>
    public static InventoryState Empty { get; } = new(0, NoItems, trusted: true);

    /// <summary>Builds a state, checking the invariants (for instance when loading a snapshot).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is negative.</exception>
    /// <exception cref="ArgumentException">An item has a count of zero or less, or an empty id.</exception>
    public InventoryState(long version, ImmutableSortedDictionary<string, int> items)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var (itemId, count) in items)
        {
            if (string.IsNullOrEmpty(itemId))
            {
                throw new ArgumentException("An item id cannot be empty.", nameof(items));
            }

            if (count <= 0)
            {
                throw new ArgumentException(
                    $"Item '{itemId}' has count {count}; a state holds only items with a count above zero.",
                    nameof(items));
            }
        }

        Version = version;
        // Converting to the ordinal comparer cannot merge keys: keys distinct under any comparer are distinct strings.
        Items = ReferenceEquals(items.KeyComparer, StringComparer.Ordinal) ? items : items.WithComparers(StringComparer.Ordinal);
    }

    // For Evolve, which keeps the invariants itself and must not pay for checking every item on every event.
    private InventoryState(long version, ImmutableSortedDictionary<string, int> items, bool trusted)
    {
        _ = trusted;
        Version = version;
        Items = items;
    }

    /// <summary>How many events have been folded into this state.</summary>
    public long Version { get; }

    /// <summary>The count of each item held, in ordinal order of item id; only counts above zero.</summary>
    public ImmutableSortedDictionary<string, int> Items { get; }

    /// <summary>How many units of <paramref name="itemId"/> are held (0 when none).</summary>
    public int QuantityOf(string itemId) => Items.GetValueOrDefault(itemId);

    /// <summary>Deconstructs into the version and the items.</summary>
    public void Deconstruct(out long version, out ImmutableSortedDictionary<string, int> items)
    {
        version = Version;
        items = Items;
    }

    internal static InventoryState Trusted(long version, ImmutableSortedDictionary<string, int> items) =>
        new(version, items, trusted: true);

    /// <summary>True when both states have the same version and hold the same counts of the same items.</summary>
    public bool Equals(InventoryState? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || Version != other.Version || Items.Count != other.Items.Count)
        {
            return false;
        }

        foreach (var (itemId, count) in Items)
        {
            if (!other.Items.TryGetValue(itemId, out var otherCount) || otherCount != count)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Version);
        foreach (var (itemId, count) in Items)
        {
            hash.Add(itemId, StringComparer.Ordinal);
            hash.Add(count);
        }

        return hash.ToHashCode();
    }

    // Shows the items in test failure messages: InventoryState { Version = 3, Items = { shield: 1, sword: 2 } }
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Version = ").Append(Version).Append(", Items = {");
        var first = true;
        foreach (var (itemId, count) in Items)
        {
            builder.Append(first ? " " : ", ").Append(itemId).Append(": ").Append(count);
            first = false;
        }

        builder.Append(first ? "}" : " }");
        return true;
    }
}
