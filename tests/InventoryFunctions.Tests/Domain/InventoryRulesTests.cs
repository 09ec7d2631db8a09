using InventoryFunctions.Domain;

namespace InventoryFunctions.Tests.Domain;

public class InventoryRulesTests
{
    [Theory]
    [InlineData("inv-1")]
    [InlineData("a")]
    [InlineData("ABC_def-123")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")] // 64
    public void Valid_inventory_ids_pass(string inventoryId)
    {
        Assert.Null(InventoryRules.ValidateInventoryId(inventoryId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")] // 65
    [InlineData("inv 1")]
    [InlineData("inv/1")]
    [InlineData("inv.1")]
    [InlineData("épée")]
    [InlineData("inv\n")]
    public void Invalid_inventory_ids_are_refused_with_a_message(string? inventoryId)
    {
        Assert.Contains("inventoryId", InventoryRules.ValidateInventoryId(inventoryId), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sword")]
    [InlineData("Long Sword")]
    [InlineData("potion.red:large_2-b")]
    [InlineData("épée")]
    [InlineData("剣")]
    [InlineData("٣")] // Arabic-Indic digit three
    public void Valid_item_ids_pass(string itemId)
    {
        Assert.Null(InventoryRules.ValidateItemId(itemId));
    }

    [Fact]
    public void An_item_id_may_be_100_characters_but_not_101()
    {
        Assert.Null(InventoryRules.ValidateItemId(new string('x', 100)));
        Assert.NotNull(InventoryRules.ValidateItemId(new string('x', 101)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" sword")]
    [InlineData("sword ")]
    [InlineData(" ")]
    [InlineData("sword/1")]
    [InlineData("sword#1")]
    [InlineData("sword?")]
    [InlineData("sword\\1")]
    [InlineData("sword\t1")]
    [InlineData("e\u0301pe\u0301e")] // decomposed: combining marks are not letters
    [InlineData("sword\U0001F5E1")] // outside the Basic Multilingual Plane
    public void Invalid_item_ids_are_refused_with_a_message(string? itemId)
    {
        Assert.Contains("itemId", InventoryRules.ValidateItemId(itemId), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(1_000_000L)]
    public void Quantities_from_one_to_a_million_pass(long quantity)
    {
        Assert.Null(InventoryRules.ValidateQuantity(quantity));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1_000_001L)]
    [InlineData(long.MaxValue)]
    public void Other_quantities_are_refused_with_a_message(long quantity)
    {
        Assert.Equal("quantity must be an integer from 1 to 1,000,000.", InventoryRules.ValidateQuantity(quantity));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(50, true)]
    [InlineData(51, false)]
    public void A_batch_holds_one_to_fifty_events(int count, bool valid)
    {
        Assert.Equal(valid, InventoryRules.ValidateEventCount(count) is null);
    }

    [Fact]
    public void Validating_a_command_checks_each_of_its_inputs()
    {
        Assert.Null(InventoryRules.Validate(new AddItem("sword", 1)));
        Assert.Null(InventoryRules.Validate(new AppendEvents([new ItemAdded("sword", 1), new ItemRemoved("shield", 2)])));
        Assert.NotNull(InventoryRules.Validate(new AddItem("sword", 0)));
        Assert.NotNull(InventoryRules.Validate(new RemoveItem(" sword", 1)));
        Assert.NotNull(InventoryRules.Validate(new AppendEvents([])));
        Assert.NotNull(InventoryRules.Validate(new AppendEvents(Enumerable.Repeat<InventoryEvent>(new ItemAdded("sword", 1), 51).ToArray())));
        Assert.NotNull(InventoryRules.Validate(null));
    }

    [Fact]
    public void A_bad_event_in_a_batch_is_named_by_its_index()
    {
        var error = InventoryRules.Validate(new AppendEvents([new ItemAdded("sword", 1), new ItemAdded("shield", 1), new ItemRemoved("sword", 2_000_000)]));

        Assert.Equal("events[2]: quantity must be an integer from 1 to 1,000,000.", error);
    }
}
