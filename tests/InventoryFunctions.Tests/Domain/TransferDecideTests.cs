using InventoryFunctions.Domain;
using static InventoryFunctions.Tests.Builders;

namespace InventoryFunctions.Tests.Domain;

/// <summary>The three sides of a transfer as decisions over one inventory's state: one leg per line, refused as an add or a remove would be, a refund never.</summary>
public sealed class TransferDecideTests
{
    private const string Id = "0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TransferLine[] Lines = [new("sword", 2), new("gem", 1)];

    private static InventoryState Full() =>
        State(InventoryRules.MaxDistinctItemsHeld, [.. Enumerable.Range(0, InventoryRules.MaxDistinctItemsHeld).Select(i => ($"item-{i}", 1))]);

    [Fact]
    public void A_debit_takes_each_line_out_as_a_leg_naming_the_receiver()
    {
        var decision = Inventory.Decide(State(2, ("sword", 2), ("gem", 3)), new TransferOut(Id, "bob", Lines), Now);

        var accepted = Assert.IsType<Decision.Accepted>(decision);
        Assert.Equal([new ItemTransferredOut("sword", 2, Id, "bob"), new ItemTransferredOut("gem", 1, Id, "bob")], accepted.Events.Select(e => e.Event));
        Assert.Equal(State(4, ("gem", 2)), Inventory.Fold(State(2, ("sword", 2), ("gem", 3)), accepted.Events));
    }

    [Fact]
    public void A_debit_of_more_than_is_held_is_refused_as_a_removal_is()
    {
        var decision = Inventory.Decide(State(1, ("sword", 1)), new TransferOut(Id, "bob", Lines), Now);

        Assert.Equal(new InsufficientQuantity("sword", 2, 1), Assert.IsType<Decision.Rejected>(decision).Reason);
    }

    [Fact]
    public void A_credit_to_an_inventory_at_its_distinct_items_limit_is_refused_and_a_refund_there_is_not()
    {
        var credit = Inventory.Decide(Full(), new ReceiveTransfer(Id, "alice", Lines), Now);
        var refund = Inventory.Decide(Full(), new RefundTransfer(Id, "bob", Lines), Now);

        Assert.Equal(new DistinctItemsLimitExceeded("sword", InventoryRules.MaxDistinctItemsHeld), Assert.IsType<Decision.Rejected>(credit).Reason);
        var refunded = Assert.IsType<Decision.Accepted>(refund);
        Assert.Equal([new ItemRefunded("sword", 2, Id, "bob"), new ItemRefunded("gem", 1, Id, "bob")], refunded.Events.Select(e => e.Event));
    }

    [Theory]
    [InlineData("not-hex", "transferId must be 32 lowercase hex digits.")]
    [InlineData(Id, null)]
    public void The_transfer_id_must_be_32_lowercase_hex_digits(string transferId, string? error)
    {
        Assert.Equal(error, InventoryRules.Validate(new TransferOut(transferId, "bob", Lines)));
    }

    [Fact]
    public void Lines_are_1_to_50_each_item_once()
    {
        Assert.Equal("A transfer moves from 1 to 50 lines.", InventoryRules.ValidateTransferLines([]));
        Assert.Equal("A transfer moves from 1 to 50 lines.", InventoryRules.ValidateTransferLines([.. Enumerable.Range(0, 51).Select(i => new TransferLine($"i{i}", 1))]));
        Assert.Equal("items[1]: item 'sword' is in more than one line.", InventoryRules.ValidateTransferLines([new("sword", 1), new("sword", 2)]));
        Assert.Equal("items[0]: quantity must be an integer from 1 to 1,000,000.", InventoryRules.ValidateTransferLines([new("sword", 0)]));
        Assert.Null(InventoryRules.ValidateTransferLines(Lines));
    }

    [Fact]
    public void A_transfer_id_is_the_same_for_the_same_sender_caller_and_key_and_another_otherwise()
    {
        Assert.Equal(Transfers.IdFor("alice", "", "k"), Transfers.IdFor("alice", "", "k"));
        Assert.True(Transfers.IsId(Transfers.IdFor("alice", "", "k")));
        Assert.NotEqual(Transfers.IdFor("alice", "", "k"), Transfers.IdFor("alice", "server-2", "k"));
        Assert.NotEqual(Transfers.IdFor("alice", "", "k"), Transfers.IdFor("bob", "", "k"));
    }
}
