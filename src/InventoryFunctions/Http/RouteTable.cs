using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Http;

/// <summary>
/// The routes and methods of the app's HTTP functions, read from their <c>[HttpTrigger]</c> attributes (the one place
/// they are declared), so the catch-all function can tell an unknown route (404) from a known one asked with a method
/// it does not serve (405 with <c>Allow</c>).
/// </summary>
public sealed class RouteTable
{
    private readonly IReadOnlyList<(TemplateMatcher Matcher, string[] Methods)> _routes;

    public RouteTable(Assembly assembly, string? except = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        _routes = [.. from type in assembly.GetTypes()
            from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            let function = method.GetCustomAttribute<FunctionAttribute>()
            let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)
            where function is not null && trigger is not null && function.Name != except
            select (new TemplateMatcher(TemplateParser.Parse(trigger.Route ?? function.Name), new RouteValueDictionary()),
                (trigger.Methods ?? []).Select(m => m.ToUpperInvariant()).ToArray())];
    }

    /// <summary>The methods served at <paramref name="path"/> (relative to the route prefix), or none for an unknown route.</summary>
    public IReadOnlyList<string> MethodsAt(string path)
    {
        var values = new RouteValueDictionary();
        var slashed = new PathString("/" + path.TrimStart('/'));
        return [.. _routes.Where(r => { values.Clear(); return r.Matcher.TryMatch(slashed, values); })
            .SelectMany(r => r.Methods).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
