using System.Collections.Immutable;
using InventoryFunctions.Domain;
using static InventoryFunctions.Tests.Builders;

namespace InventoryFunctions.Tests.Domain;

public class InventoryStateTests
{
    [Fact]
    public void Empty_is_version_zero_with_no_items()
    {
        Assert.Equal(0, InventoryState.Empty.Version);
        Assert.Empty(InventoryState.Empty.Items);
    }

    [Fact]
    public void States_holding_the_same_counts_are_equal_however_they_were_built()
    {
        var folded = Inventory.Fold(InventoryState.Empty, [new ItemAdded("sword", 3), new ItemAdded("shield", 1), new ItemRemoved("sword", 1)]);
        var built = new InventoryState(3, Items(("shield", 1), ("sword", 2)));

        Assert.Equal(built, folded);
        Assert.True(built == folded);
        Assert.Equal(built.GetHashCode(), folded.GetHashCode());
    }

    [Fact]
    public void States_differing_in_version_or_in_a_count_are_not_equal()
    {
        var state = new InventoryState(3, Items(("sword", 2)));

        Assert.NotEqual(state, new InventoryState(4, Items(("sword", 2))));
        Assert.NotEqual(state, new InventoryState(3, Items(("sword", 1))));
        Assert.NotEqual(state, new InventoryState(3, Items(("sword", 2), ("shield", 1))));
        Assert.NotEqual(state, new InventoryState(3, Items(("Sword", 2))));
    }

    [Fact]
    public void Items_are_kept_with_the_ordinal_comparer()
    {
        var ignoringCase = ImmutableSortedDictionary.CreateRange(
            StringComparer.OrdinalIgnoreCase, [KeyValuePair.Create("b", 1), KeyValuePair.Create("A", 1)]);

        var state = new InventoryState(2, ignoringCase);

        Assert.Same(StringComparer.Ordinal, state.Items.KeyComparer);
        Assert.Equal(["A", "b"], state.Items.Keys);
        Assert.Equal(0, state.QuantityOf("a"));
    }

    [Fact]
    public void A_state_cannot_hold_a_count_of_zero_or_less()
    {
        Assert.Throws<ArgumentException>(() => new InventoryState(1, Items(("sword", 0))));
        Assert.Throws<ArgumentException>(() => new InventoryState(1, Items(("sword", -1))));
        Assert.Throws<ArgumentException>(() => new InventoryState(1, Items(("", 1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InventoryState(-1, Items()));
    }

    [Fact]
    public void ToString_shows_the_items()
    {
        Assert.Equal(
            "InventoryState { Version = 3, Items = { shield: 1, sword: 2 } }",
            new InventoryState(3, Items(("sword", 2), ("shield", 1))).ToString());
        Assert.Equal("InventoryState { Version = 0, Items = {} }", InventoryState.Empty.ToString());
    }

    [Fact]
    public void A_recorded_event_holds_its_time_in_utc()
    {
        var local = new DateTimeOffset(2026, 5, 1, 14, 0, 0, TimeSpan.FromHours(2));

        var recorded = new RecordedEvent(1, local, new ItemAdded("sword", 1));
        var moved = recorded with { OccurredAt = local.AddHours(1) };

        Assert.Equal(TimeSpan.Zero, recorded.OccurredAt.Offset);
        Assert.Equal(new DateTime(2026, 5, 1, 12, 0, 0, DateTimeKind.Utc), recorded.OccurredAt.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, moved.OccurredAt.Offset);
    }

    [Fact]
    public void A_recorded_event_starts_at_version_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecordedEvent(0, DateTimeOffset.UnixEpoch, new ItemAdded("sword", 1)));
        Assert.Throws<ArgumentNullException>(() => new RecordedEvent(1, DateTimeOffset.UnixEpoch, null!));
    }
}
