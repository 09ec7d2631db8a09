namespace InventoryFunctions.Testing;

/// <summary>The one way tests and benchmarks find the repository: up from the output folder to InventoryFunctions.sln.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the repository root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The <c>Values</c> of <c>local.settings.sample.json</c>: every app setting with its local value.</summary>
    public static Dictionary<string, string> SampleAppSettings() =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(PathOf("local.settings.sample.json")))!["Values"]!.AsObject()
            .ToDictionary(value => value.Key, value => value.Value!.GetValue<string>());

    public static string DevStack => Path.Combine(Root, "tools", "devstack");

    public static string DevStackModules => Path.Combine(DevStack, "node_modules");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "InventoryFunctions.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No InventoryFunctions.sln above {AppContext.BaseDirectory}.");
    }
}
