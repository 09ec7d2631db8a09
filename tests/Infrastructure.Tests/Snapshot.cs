using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

/// <summary>The output of <c>bicep snapshot</c>: predicted resources, outputs and diagnostics.</summary>
public sealed class Snapshot(JsonObject document)
{
    public IReadOnlyList<JsonObject> Resources { get; } =
        document["predictedResources"]!.AsArray().Select(resource => resource!.AsObject()).ToList();

    public IReadOnlyDictionary<string, string> Outputs { get; } =
        document["outputs"]?.AsObject().ToDictionary(output => output.Key, output => Text(output.Value))
        ?? new Dictionary<string, string>();

    public IReadOnlyList<string> Diagnostics { get; } =
        document["diagnostics"]?.AsArray().Select(diagnostic => diagnostic!.ToJsonString()).ToList() ?? [];

    public JsonObject CosmosAccount => One("Microsoft.DocumentDB/databaseAccounts");

    public JsonObject Database => One("Microsoft.DocumentDB/databaseAccounts/sqlDatabases");

    public JsonObject StorageAccount => One("Microsoft.Storage/storageAccounts");

    public JsonObject AppInsights => One("Microsoft.Insights/components");

    public JsonObject Plan => One("Microsoft.Web/serverfarms");

    public JsonObject FunctionApp => One("Microsoft.Web/sites");

    /// <summary>The function app's settings (the sites/config 'appsettings' resource), name to value.</summary>
    public IReadOnlyDictionary<string, string> AppSettings =>
        OfType("Microsoft.Web/sites/config")
            .Single(config => Name(config).EndsWith("/appsettings", StringComparison.Ordinal))["properties"]!
            .AsObject()
            .ToDictionary(setting => setting.Key, setting => Text(setting.Value));

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject One(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one {type}, found {matches.Count}.");
        return matches[0];
    }

    public JsonObject Container(string name) =>
        OfType("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
            .Single(container => (string?)container["properties"]!["resource"]!["id"] == name);

    public static string Id(JsonObject resource) => (string)resource["id"]!;

    public static string Name(JsonObject resource) => (string)resource["name"]!;

    public static JsonNode Properties(JsonObject resource) => resource["properties"]!;

    /// <summary>A string value as is; anything else (number, object, unresolved expression) as JSON.</summary>
    public static string Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? "";
}
