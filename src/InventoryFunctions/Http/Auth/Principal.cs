using InventoryFunctions.Domain;
using Microsoft.AspNetCore.Http;

namespace InventoryFunctions.Http.Auth;

/// <summary>The app roles an operator assigns in Entra ID (the token's <c>roles</c> claim). A token with none of them is a player's.</summary>
public static class AppRoles
{
    /// <summary>A trusted game or shop server (client credentials or a managed identity): every inventory, every command.</summary>
    public const string Server = "Inventory.Server";

    /// <summary>Support staff: reads every inventory, its history and the explorer; no writes, no operations.</summary>
    public const string Support = "Inventory.Support";

    /// <summary>Operators: the operations routes (rebuild, poison, projection status) besides every read.</summary>
    public const string Admin = "Inventory.Admin";
}

/// <summary>
/// Who sent a request, from its validated bearer token: the subject (<c>sub</c>), the player id (the configured claim;
/// the inventory a player owns), the client application (<c>azp</c>, or <c>appid</c> in v1 tokens) and the app roles.
/// </summary>
public sealed record Principal(string Subject, string? PlayerId, string? AppId, IReadOnlySet<string> Roles)
{
    public bool IsServer => Roles.Contains(AppRoles.Server);

    public bool IsSupport => Roles.Contains(AppRoles.Support);

    public bool IsAdmin => Roles.Contains(AppRoles.Admin);

    /// <summary>A player: a token with none of the app's roles.</summary>
    public bool IsPlayer => !IsServer && !IsSupport && !IsAdmin;

    /// <summary>
    /// True when the inventory is this principal's own: its id is exactly the player id. There are no sub-inventories:
    /// ids may contain <c>-</c> and <c>_</c>, so any prefix rule would let player <c>a</c> own player <c>a-b</c>'s inventory.
    /// </summary>
    public bool Owns(string? inventoryId) => PlayerId is not null && inventoryId is not null && string.Equals(PlayerId, inventoryId, StringComparison.Ordinal);

    /// <summary>The actor this principal is on the events it causes (a server by its subject, a player by its player id).</summary>
    public Actor Actor => IsServer ? new Actor(ActorKind.Server, Subject, AppId)
        : IsAdmin ? new Actor(ActorKind.Admin, Subject, AppId)
        : IsSupport ? new Actor(ActorKind.Support, Subject, AppId)
        : new Actor(ActorKind.Player, PlayerId ?? Subject, AppId);

    /// <summary>The principal the middleware authenticated for this request; null on anonymous routes.</summary>
    public static Principal? Of(HttpContext context) =>
        (context ?? throw new ArgumentNullException(nameof(context))).Items.TryGetValue(typeof(Principal), out var value) ? value as Principal : null;

    internal void AttachTo(HttpContext context) => context.Items[typeof(Principal)] = this;
}
