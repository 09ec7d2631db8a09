using InventoryFunctions.Domain;
using InventoryFunctions.Http.Auth;

namespace InventoryFunctions.Tests.Http;

/// <summary>What each access policy lets each kind of principal do (the HTTP matrix over every route is in the integration tests).</summary>
public class AccessPolicyTests
{
    private static Principal Player(string id) => new(id, id, null, new HashSet<string>());

    private static Principal WithRoles(params string[] roles) => new("sp-1", "sp-1", "app-1", roles.ToHashSet());

    [Fact]
    public void A_player_reads_and_writes_its_own_inventory_only()
    {
        var player = Player("player-1");

        Assert.True(AccessPolicies.Allows(AccessPolicy.InventoryRead, player, "player-1"));
        Assert.True(AccessPolicies.Allows(AccessPolicy.InventoryWrite, player, "player-1"));
        Assert.False(AccessPolicies.Allows(AccessPolicy.InventoryRead, player, "player-2"));
        Assert.False(AccessPolicies.Allows(AccessPolicy.InventoryWrite, player, "player-2"));
        Assert.False(AccessPolicies.Allows(AccessPolicy.AllInventoriesRead, player, null));
        Assert.False(AccessPolicies.Allows(AccessPolicy.Operations, player, null));
    }

    [Theory]
    [InlineData("a-b")]
    [InlineData("a_b")]
    [InlineData("a-")]
    [InlineData("A")]
    [InlineData("ab")]
    public void No_id_that_merely_starts_with_a_players_id_is_owned_by_it(string inventoryId)
    {
        // The ambiguous case a sub-inventory rule would open: is "a-b" player "a"'s or player "a-b"'s? Neither rule is
        // safe, so only the exact id is owned.
        Assert.False(AccessPolicies.Allows(AccessPolicy.InventoryRead, Player("a"), inventoryId));
        Assert.False(AccessPolicies.Allows(AccessPolicy.InventoryWrite, Player("a"), inventoryId));
    }

    [Fact]
    public void A_token_without_the_player_id_claim_owns_nothing()
    {
        var principal = new Principal("sub-1", null, null, new HashSet<string>());

        Assert.False(AccessPolicies.Allows(AccessPolicy.InventoryRead, principal, "sub-1"));
    }

    [Fact]
    public void A_server_reads_and_writes_every_inventory_but_runs_no_operations()
    {
        var server = WithRoles(AppRoles.Server);

        Assert.True(AccessPolicies.Allows(AccessPolicy.InventoryWrite, server, "anyone"));
        Assert.True(AccessPolicies.Allows(AccessPolicy.InventoryRead, server, "anyone"));
        Assert.True(AccessPolicies.Allows(AccessPolicy.AllInventoriesRead, server, null));
        Assert.False(AccessPolicies.Allows(AccessPolicy.Operations, server, null));
        Assert.Equal(new Actor(ActorKind.Server, "sp-1", "app-1"), server.Actor);
    }

    [Fact]
    public void Support_reads_everything_and_writes_nothing()
    {
        var support = WithRoles(AppRoles.Support);

        Assert.True(AccessPolicies.Allows(AccessPolicy.InventoryRead, support, "anyone"));
        Assert.True(AccessPolicies.Allows(AccessPolicy.AllInventoriesRead, support, null));
        Assert.False(AccessPolicies.Allows(AccessPolicy.InventoryWrite, support, "anyone"));
        Assert.False(AccessPolicies.Allows(AccessPolicy.Operations, support, null));
    }

    [Fact]
    public void Only_an_admin_runs_operations_and_an_admin_writes_no_inventory()
    {
        var admin = WithRoles(AppRoles.Admin);

        Assert.True(AccessPolicies.Allows(AccessPolicy.Operations, admin, null));
        Assert.True(AccessPolicies.Allows(AccessPolicy.InventoryRead, admin, "anyone"));
        Assert.False(AccessPolicies.Allows(AccessPolicy.InventoryWrite, admin, "anyone"));
    }

    [Fact]
    public void A_player_is_its_player_id_on_the_events_it_causes()
    {
        Assert.Equal(new Actor(ActorKind.Player, "player-1"), Player("player-1").Actor);
    }
}
