using System.Reflection;
using System.Text.Json;
using InventoryFunctions.Http;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Tests;

/// <summary>
/// The README is the API's reference: every HTTP route the app binds and every problem type it can answer are in its
/// "HTTP API" section, so a new route or error cannot ship undocumented.
/// </summary>
public class DocumentationTests
{
    private static readonly Lazy<string> ApiSection = new(() =>
    {
        var readme = File.ReadAllText(RepositoryPaths.PathOf("README.md"));
        var start = readme.IndexOf("\n## HTTP API", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no '## HTTP API' section.");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    });

    public static TheoryData<string> ProblemTypes() =>
        [.. typeof(Problems).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ProblemType))
            .Select(f => ((ProblemType)f.GetValue(null)!).Name)];

    public static TheoryData<string> HttpRoutes()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        return [.. metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .Select(b => b.GetProperty("route").GetString()!)
            .Where(route => !route.StartsWith("{*", StringComparison.Ordinal)) // the catch-all answers what is not a route
            .Distinct()];
    }

    [Theory]
    [MemberData(nameof(ProblemTypes))]
    public void Every_problem_type_is_named_in_the_README_API_section(string name) =>
        Assert.Contains($"`{name}`", ApiSection.Value, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(HttpRoutes))]
    public void Every_HTTP_route_is_in_the_README_API_table(string route) =>
        Assert.Contains($"/api/{route}", ApiSection.Value, StringComparison.Ordinal);
}
