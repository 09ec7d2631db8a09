using System.Text.Json;
using System.Text.RegularExpressions;
using Tomlyn;
using Tomlyn.Model;

namespace Infrastructure.Tests;

/// <summary>
/// The reproducible environments (Flox, Dev Containers) must give the toolchain the build pins: a Flox shell or a
/// Codespace with another .NET major version than global.json would fail the first `./test.sh`.
/// </summary>
public sealed partial class DevEnvironmentTests
{
    private static readonly int PinnedSdkMajor = SdkMajorFromGlobalJson();

    [Fact]
    public void Flox_manifest_parses_and_installs_the_SDK_major_version_global_json_pins()
    {
        var manifest = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(RepositoryPaths.PathOf(".flox", "env", "manifest.toml")))!;

        Assert.Equal(1L, manifest["version"]);
        var packages = PackagePaths(manifest);
        var sdk = Assert.Single(packages, path => path.Contains("sdk", StringComparison.OrdinalIgnoreCase));
        var match = NixSdkAttribute().Match(sdk);
        Assert.True(match.Success, $"'{sdk}' does not name an SDK major version (expected dotnetCorePackages.sdk_<major>_0)");
        Assert.Equal(PinnedSdkMajor, int.Parse(match.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Flox_manifest_installs_Node_20_for_the_local_Cosmos_DB_server_and_Azurite()
    {
        var manifest = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(RepositoryPaths.PathOf(".flox", "env", "manifest.toml")))!;

        Assert.Contains("nodejs_20", PackagePaths(manifest));
    }

    [Fact]
    public void Flox_environment_is_named()
    {
        using var env = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.PathOf(".flox", "env.json")));

        Assert.False(string.IsNullOrWhiteSpace(env.RootElement.GetProperty("name").GetString()));
    }

    [Fact]
    public void Dev_container_uses_the_SDK_major_version_global_json_pins_and_Node_20()
    {
        using var container = JsonDocument.Parse(
            File.ReadAllText(RepositoryPaths.PathOf(".devcontainer", "devcontainer.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = container.RootElement;

        var image = root.GetProperty("image").GetString()!;
        var tag = DevContainerImageTag().Match(image);
        Assert.True(tag.Success, $"'{image}' is not a versioned devcontainers/dotnet image");
        Assert.Equal(PinnedSdkMajor, int.Parse(tag.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture));
        var node = root.GetProperty("features").EnumerateObject().Single(f => f.Name.Contains("/features/node:", StringComparison.Ordinal));
        Assert.Equal("20", node.Value.GetProperty("version").GetString());
        Assert.Contains(7071, root.GetProperty("forwardPorts").EnumerateArray().Select(p => p.GetInt32()));
    }

    private static List<string> PackagePaths(TomlTable manifest) =>
        [.. ((TomlTable)manifest["install"]).Values.Select(entry => (string)((TomlTable)entry)["pkg-path"])];

    private static int SdkMajorFromGlobalJson()
    {
        using var global = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.PathOf("global.json")));
        var version = global.RootElement.GetProperty("sdk").GetProperty("version").GetString()!;
        return Version.Parse(version).Major;
    }

    [GeneratedRegex(@"sdk_(?<major>\d+)_\d+$")]
    private static partial Regex NixSdkAttribute();

    [GeneratedRegex(@"^mcr\.microsoft\.com/devcontainers/dotnet:(?:\d+-)?(?<major>\d+)\.\d+")]
    private static partial Regex DevContainerImageTag();
}
