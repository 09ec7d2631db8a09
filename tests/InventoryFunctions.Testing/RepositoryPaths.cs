namespace InventoryFunctions.Testing;

/// <summary>The one way tests and benchmarks find the repository: up from the output folder to InventoryFunctions.sln.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the repository root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

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
