using InventoryFunctions.Domain;
using Microsoft.Extensions.Time.Testing;
using static InventoryFunctions.Tests.Builders;

namespace InventoryFunctions.Tests.Domain;

public class InventoryDecideTests
{
    private static readonly DateTimeOffset Noon = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Noon);

    private static InventoryState Holding(params (string ItemId, int Count)[] items) =>
        Inventory.Fold(InventoryState.Empty, items.Select(i => new ItemAdded(i.ItemId, i.Count)));

    private static IReadOnlyList<RecordedEvent> Accepted(Decision decision) =>
        Assert.IsType<Decision.Accepted>(decision).Events;

    private static Rejection Rejected(Decision decision) =>
        Assert.IsType<Decision.Rejected>(decision).Reason;

    [Fact]
    public void Add_to_an_empty_inventory_records_ItemAdded_at_version_1()
    {
        var events = Accepted(Inventory.Decide(InventoryState.Empty, new AddItem("sword", 2), _time.GetUtcNow()));

        Assert.Equal([new RecordedEvent(1, Noon, new ItemAdded("sword", 2))], events);
    }

    [Fact]
    public void Events_are_stamped_with_now_in_utc()
    {
        var now = new DateTimeOffset(2026, 5, 1, 14, 0, 0, TimeSpan.FromHours(2));

        var recorded = Accepted(Inventory.Decide(InventoryState.Empty, new AddItem("sword", 1), now)).Single();

        Assert.Equal(TimeSpan.Zero, recorded.OccurredAt.Offset);
        Assert.Equal(Noon, recorded.OccurredAt);
    }

    [Fact]
    public void Events_follow_the_current_version()
    {
        var state = Holding(("sword", 1), ("shield", 1));
        _time.Advance(TimeSpan.FromMinutes(5));

        var recorded = Accepted(Inventory.Decide(state, new RemoveItem("sword", 1), _time.GetUtcNow())).Single();

        Assert.Equal(new RecordedEvent(3, Noon.AddMinutes(5), new ItemRemoved("sword", 1)), recorded);
    }

    [Fact]
    public void Remove_more_than_held_is_rejected()
    {
        var state = Holding(("sword", 2));

        var reason = Rejected(Inventory.Decide(state, new RemoveItem("sword", 3), _time.GetUtcNow()));

        Assert.Equal(new InsufficientQuantity("sword", 3, 2), reason);
    }

    [Fact]
    public void Remove_of_an_item_never_held_is_rejected_with_nothing_held()
    {
        var reason = Rejected(Inventory.Decide(Holding(("sword", 2)), new RemoveItem("shield", 1), _time.GetUtcNow()));

        Assert.Equal(new InsufficientQuantity("shield", 1, 0), reason);
    }

    [Fact]
    public void Item_ids_are_case_sensitive()
    {
        var reason = Rejected(Inventory.Decide(Holding(("sword", 2)), new RemoveItem("Sword", 1), _time.GetUtcNow()));

        Assert.Equal(new InsufficientQuantity("Sword", 1, 0), reason);
    }

    [Fact]
    public void Remove_exactly_what_is_held_is_accepted()
    {
        var state = Holding(("sword", 2));

        var events = Accepted(Inventory.Decide(state, new RemoveItem("sword", 2), _time.GetUtcNow()));

        Assert.Empty(Inventory.Fold(state, events).Items);
    }

    [Fact]
    public void Removing_everything_drops_the_item()
    {
        var state = Holding(("sword", 2), ("shield", 1));

        var events = Accepted(Inventory.Decide(state, new RemoveItem("sword", 2), _time.GetUtcNow()));
        var after = Inventory.Fold(state, events);

        Assert.False(after.Items.ContainsKey("sword"));
        Assert.Equal(new InventoryState(3, Items(("shield", 1))), after);
    }

    [Fact]
    public void Append_events_are_numbered_contiguously_after_the_current_version_and_share_one_time()
    {
        var state = Holding(("sword", 1), ("shield", 1), ("potion", 1));
        var batch = new AppendEvents([new ItemAdded("sword", 2), new ItemRemoved("shield", 1), new ItemAdded("potion", 5)]);

        var events = Accepted(Inventory.Decide(state, batch, _time.GetUtcNow()));

        Assert.Equal([4L, 5L, 6L], events.Select(e => e.Version));
        Assert.All(events, e => Assert.Equal(Noon, e.OccurredAt));
        Assert.Equal(batch.Events, events.Select(e => e.Event));
    }

    [Fact]
    public void Append_events_may_remove_what_earlier_events_of_the_same_batch_added()
    {
        var batch = new AppendEvents([new ItemAdded("sword", 2), new ItemRemoved("sword", 2), new ItemAdded("sword", 1)]);

        var events = Accepted(Inventory.Decide(InventoryState.Empty, batch, _time.GetUtcNow()));

        Assert.Equal(new InventoryState(3, Items(("sword", 1))), Inventory.Fold(InventoryState.Empty, events));
    }

    [Fact]
    public void Append_events_is_rejected_at_the_first_removal_that_would_go_below_zero_after_the_earlier_events()
    {
        var state = Holding(("sword", 5));
        var batch = new AppendEvents(
        [
            new ItemRemoved("sword", 3),
            new ItemAdded("shield", 1),
            new ItemRemoved("sword", 4), // 2 left after the first removal: the first to fail
            new ItemRemoved("shield", 9),
        ]);

        var reason = Rejected(Inventory.Decide(state, batch, _time.GetUtcNow()));

        Assert.Equal(new InsufficientQuantity("sword", 4, 2), reason);
    }

    [Fact]
    public void A_batch_with_one_bad_removal_records_none_of_its_events()
    {
        var batch = new AppendEvents([new ItemAdded("sword", 1), new ItemAdded("shield", 1), new ItemRemoved("potion", 1)]);

        var decision = Inventory.Decide(InventoryState.Empty, batch, _time.GetUtcNow());

        Assert.Equal(new Decision.Rejected(new InsufficientQuantity("potion", 1, 0)), decision);
    }

    [Fact]
    public void A_new_item_beyond_the_distinct_items_limit_is_rejected_but_more_of_a_held_one_is_not()
    {
        var full = new InventoryState(InventoryRules.MaxDistinctItemsHeld, Items([.. Enumerable.Range(0, InventoryRules.MaxDistinctItemsHeld).Select(i => ($"item{i}", 1))]));

        var reason = Rejected(Inventory.Decide(full, new AddItem("one-more", 1), _time.GetUtcNow()));

        Assert.Equal(new DistinctItemsLimitExceeded("one-more", InventoryRules.MaxDistinctItemsHeld), reason);
        Assert.IsType<Decision.Accepted>(Inventory.Decide(full, new AddItem("item7", 5), _time.GetUtcNow()));
        // Removing an item first makes room, within one batch too.
        Assert.IsType<Decision.Accepted>(Inventory.Decide(full, new AppendEvents([new ItemRemoved("item7", 1), new ItemAdded("one-more", 1)]), _time.GetUtcNow()));
        Assert.Equal(new Decision.Rejected(new DistinctItemsLimitExceeded("two-more", InventoryRules.MaxDistinctItemsHeld)),
            Inventory.Decide(full, new AppendEvents([new ItemRemoved("item7", 1), new ItemAdded("one-more", 1), new ItemAdded("two-more", 1)]), _time.GetUtcNow()));
    }

    [Fact]
    public void Add_that_would_take_the_count_past_the_largest_integer_is_rejected()
    {
        var state = new InventoryState(7, Items(("sword", int.MaxValue - 10)));

        var reason = Rejected(Inventory.Decide(state, new AddItem("sword", 11), _time.GetUtcNow()));

        Assert.Equal(new HoldingLimitExceeded("sword", 11, int.MaxValue - 10), reason);
        Assert.IsType<Decision.Accepted>(Inventory.Decide(state, new AddItem("sword", 10), _time.GetUtcNow()));
    }

    [Fact]
    public void Decide_gives_the_same_answer_for_the_same_inputs()
    {
        var state = Holding(("sword", 2));
        var command = new AppendEvents([new ItemRemoved("sword", 1), new ItemAdded("shield", 3)]);

        var first = Accepted(Inventory.Decide(state, command, _time.GetUtcNow()));
        var second = Accepted(Inventory.Decide(state, command, _time.GetUtcNow()));

        Assert.Equal(first, second);
    }

    public static TheoryData<InventoryCommand> ImpossibleCommands() =>
    [
        new AddItem("sword", 0),
        new AddItem("sword", -1),
        new RemoveItem("sword", 0),
        new AddItem("", 1),
        new AppendEvents([]),
        new AppendEvents([new ItemAdded("sword", 1), new ItemRemoved("sword", 0)]),
        new AppendEvents([new ItemAdded("sword", 1), null!]),
    ];

    [Theory]
    [MemberData(nameof(ImpossibleCommands))]
    public void Impossible_commands_throw_instead_of_being_decided(InventoryCommand command)
    {
        Assert.ThrowsAny<ArgumentException>(() => Inventory.Decide(InventoryState.Empty, command, _time.GetUtcNow()));
    }
}
