using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Http.Auth;

/// <summary>Who may call a route. Each HTTP function declares one with <see cref="AccessAttribute"/>, beside its trigger.</summary>
public enum AccessPolicy
{
    /// <summary>No token needed: health, the explorer page's HTML, the catch-all problem answers.</summary>
    Anonymous,

    /// <summary>An inventory's reads and history: its owner, and every server, support person and admin.</summary>
    InventoryRead,

    /// <summary>An inventory's commands: its owner, and every server.</summary>
    InventoryWrite,

    /// <summary>Reads over every inventory (the global most-collected): servers, support and admins, not players.</summary>
    AllInventoriesRead,

    /// <summary>Operations (rebuild, poison listing and replay, projection status): admins only.</summary>
    Operations,

    /// <summary>
    /// Starting a transfer out of an inventory: every server; its owner only where player gifts are allowed
    /// (<see cref="AuthOptions.AllowPlayerTransfers"/>, off by default: a game decides whether players may give items).
    /// </summary>
    TransferStart,
}

/// <summary>The access policy of one HTTP function, declared next to its route.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AccessAttribute(AccessPolicy policy) : Attribute
{
    public AccessPolicy Policy { get; } = policy;
}

/// <summary>What each policy lets a principal do, and the policy of every HTTP function, read once from the attributes.</summary>
public sealed class AccessPolicies
{
    /// <summary>The route parameter that names an inventory, which a player must own.</summary>
    public const string InventoryIdParameter = "inventoryId";

    private readonly Dictionary<string, AccessPolicy> _byFunction;

    public AccessPolicies(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var functions = (from type in assembly.GetTypes()
                         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                         let function = method.GetCustomAttribute<FunctionAttribute>()
                         where function is not null && method.GetParameters().Any(p => p.GetCustomAttribute<HttpTriggerAttribute>() is not null)
                         select (function.Name, Policy: method.GetCustomAttribute<AccessAttribute>()?.Policy)).ToList();
        Undeclared = [.. functions.Where(f => f.Policy is null).Select(f => f.Name).Order(StringComparer.Ordinal)];
        _byFunction = functions.Where(f => f.Policy is not null).ToDictionary(f => f.Name, f => f.Policy!.Value, StringComparer.Ordinal);
    }

    /// <summary>HTTP functions that declare no policy: none may ship (a test checks; the middleware refuses them every caller).</summary>
    public IReadOnlyList<string> Undeclared { get; }

    /// <summary>The policy of an HTTP function, or null when it declares none.</summary>
    public AccessPolicy? For(string functionName) => _byFunction.TryGetValue(functionName, out var policy) ? policy : null;

    /// <summary>Whether <paramref name="principal"/> may call a route under <paramref name="policy"/> for <paramref name="inventoryId"/>.</summary>
    /// <param name="allowPlayerTransfers">Whether a player may start a transfer out of its own inventory.</param>
    public static bool Allows(AccessPolicy policy, Principal principal, string? inventoryId, bool allowPlayerTransfers = false)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return policy switch
        {
            AccessPolicy.Anonymous => true,
            AccessPolicy.InventoryRead => principal.IsServer || principal.IsSupport || principal.IsAdmin || principal.Owns(inventoryId),
            AccessPolicy.InventoryWrite => principal.IsServer || principal.Owns(inventoryId),
            AccessPolicy.AllInventoriesRead => principal.IsServer || principal.IsSupport || principal.IsAdmin,
            AccessPolicy.Operations => principal.IsAdmin,
            AccessPolicy.TransferStart => principal.IsServer || (allowPlayerTransfers && principal.Owns(inventoryId)),
            _ => false,
        };
    }
}
