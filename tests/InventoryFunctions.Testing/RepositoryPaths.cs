namespace InventoryFunctions.Testing;

/// <summary>Locates the repository from a test's output folder, so fixtures find tools/devstack and the app.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

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
