namespace InventoryFunctions.Domain;

/// <summary>What kind of principal caused an event. Stored as its lowercase name: a storage contract.</summary>
public enum ActorKind
{
    Player,
    Server,
    Support,
    Admin,
    System,
}

/// <summary>
/// Who caused an event: the kind of principal and its id (a player's id, a server's subject). Events stored before
/// actors were recorded have none and read as actor unknown.
/// </summary>
/// <param name="AppId">The client application a token was issued to (<c>azp</c>/<c>appid</c>), when the token names one.</param>
public sealed record Actor(ActorKind Kind, string Id, string? AppId = null)
{
    /// <summary>The stored name of <paramref name="kind"/> (never renamed: events hold it).</summary>
    public static string NameOf(ActorKind kind) => kind switch
    {
        ActorKind.Player => "player",
        ActorKind.Server => "server",
        ActorKind.Support => "support",
        ActorKind.Admin => "admin",
        ActorKind.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown actor kind."),
    };

    /// <summary>The kind stored as <paramref name="name"/>, or null when no kind has that name.</summary>
    public static ActorKind? KindNamed(string? name) => name switch
    {
        "player" => ActorKind.Player,
        "server" => ActorKind.Server,
        "support" => ActorKind.Support,
        "admin" => ActorKind.Admin,
        "system" => ActorKind.System,
        _ => null,
    };
}
