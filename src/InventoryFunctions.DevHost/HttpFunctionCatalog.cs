using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.DevHost;

/// <summary>An HTTP-triggered function as declared by its attributes: the only source of its route and methods.</summary>
internal sealed record HttpFunction(string Name, string Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel, MethodInfo Method);

/// <summary>
/// Reads <c>[Function]</c> + <c>[HttpTrigger]</c> from the app assembly, the way the Worker SDK builds
/// <c>functions.metadata</c>, so the dev host serves exactly the routes the Functions host would.
/// </summary>
internal static class HttpFunctionCatalog
{
    public static IReadOnlyList<HttpFunction> Discover(Assembly assembly) =>
        [.. from type in assembly.GetTypes()
            from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            let function = method.GetCustomAttribute<FunctionAttribute>()
            let trigger = method.GetParameters()
                .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>())
                .FirstOrDefault(a => a is not null)
            where function is not null && trigger is not null
            orderby function.Name
            select new HttpFunction(
                function.Name,
                trigger.Route ?? function.Name,
                (trigger.Methods ?? ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]).Select(m => m.ToUpperInvariant()).ToArray(),
                trigger.AuthLevel,
                method)];
}
