using InventoryFunctions.Domain;
using static InventoryFunctions.Tests.Builders;

namespace InventoryFunctions.Tests.Domain;

public class InventoryEvolveTests
{
    private static readonly DateTimeOffset Noon = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_event_moves_the_version_on_by_one()
    {
        var state = Inventory.Fold(InventoryState.Empty, [new ItemAdded("sword", 1), new ItemAdded("sword", 1), new ItemRemoved("sword", 2)]);

        Assert.Equal(3, state.Version);
        Assert.Empty(state.Items);
    }

    [Fact]
    public void Adds_and_removes_change_the_count()
    {
        var state = Inventory.Fold(InventoryState.Empty, [new ItemAdded("sword", 5), new ItemAdded("shield", 1), new ItemRemoved("sword", 2)]);

        Assert.Equal(new InventoryState(3, Items(("shield", 1), ("sword", 3))), state);
    }

    [Fact]
    public void Removing_everything_drops_the_item()
    {
        var state = Inventory.Fold(InventoryState.Empty, [new ItemAdded("sword", 2), new ItemRemoved("sword", 2)]);

        Assert.False(state.Items.ContainsKey("sword"));
        Assert.Equal(0, state.QuantityOf("sword"));
    }

    [Fact]
    public void Replaying_a_removal_of_more_than_held_clamps_at_zero_instead_of_throwing()
    {
        // The first deployment appended blindly, so its log can hold removals of items it no longer had.
        var state = Inventory.Fold(InventoryState.Empty, [new ItemAdded("sword", 1), new ItemRemoved("sword", 1), new ItemRemoved("sword", 1), new ItemAdded("sword", 1)]);

        Assert.Equal(new InventoryState(4, Items(("sword", 1))), state);
    }

    [Fact]
    public void Replaying_adds_past_the_largest_integer_saturates_instead_of_overflowing()
    {
        var state = new InventoryState(1, Items(("sword", int.MaxValue - 1)));

        var after = Inventory.Evolve(state, new ItemAdded("sword", 5));

        Assert.Equal(int.MaxValue, after.QuantityOf("sword"));
    }

    [Fact]
    public void Evolve_leaves_the_state_it_was_given_unchanged()
    {
        var before = new InventoryState(1, Items(("sword", 1)));

        _ = Inventory.Evolve(before, new ItemAdded("sword", 1));

        Assert.Equal(new InventoryState(1, Items(("sword", 1))), before);
    }

    [Fact]
    public void Events_no_stored_document_can_hold_throw()
    {
        Assert.ThrowsAny<ArgumentException>(() => Inventory.Evolve(InventoryState.Empty, new ItemAdded("sword", 0)));
        Assert.ThrowsAny<ArgumentException>(() => Inventory.Evolve(InventoryState.Empty, new ItemRemoved("", 1)));
        Assert.ThrowsAny<ArgumentException>(() => Inventory.Evolve(InventoryState.Empty, (InventoryEvent)null!));
    }

    [Fact]
    public void Folding_recorded_events_continues_from_a_snapshot()
    {
        var snapshot = new InventoryState(2, Items(("sword", 2)));

        var state = Inventory.Fold(snapshot, [new RecordedEvent(3, Noon, new ItemRemoved("sword", 1)), new RecordedEvent(4, Noon, new ItemAdded("shield", 1))]);

        Assert.Equal(new InventoryState(4, Items(("shield", 1), ("sword", 1))), state);
    }

    [Theory]
    [InlineData(3L)] // a gap
    [InlineData(1L)] // a repeat
    public void Folding_recorded_events_out_of_sequence_throws(long secondVersion)
    {
        RecordedEvent[] events = [new RecordedEvent(1, Noon, new ItemAdded("sword", 1)), new RecordedEvent(secondVersion, Noon, new ItemAdded("sword", 1))];

        var error = Assert.Throws<ArgumentException>(() => Inventory.Fold(InventoryState.Empty, events));

        Assert.Contains("Expected event version 2", error.Message, StringComparison.Ordinal);
    }
}
