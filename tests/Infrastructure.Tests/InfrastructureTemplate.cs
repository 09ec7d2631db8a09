using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

/// <summary>
/// Compiles, lints and snapshots <c>infra/main.bicep</c> once for all tests (the four CLI runs go in
/// parallel). A snapshot is what a deployment would create, with parameters, names and ids resolved;
/// values only known after deployment stay ARM expressions such as <c>[reference('...').principalId]</c>.
/// </summary>
public sealed class InfrastructureTemplate : IAsyncLifetime
{
    public const string SubscriptionId = "00000000-0000-0000-0000-00000000c1c1";
    public const string ResourceGroup = "rg-inventory-ci";
    public const string Location = "westeurope";
    public const string DeployingPrincipalId = "11111111-2222-3333-4444-555555555555";
    public const string TenantId = "00000000-0000-0000-0000-0000000000a1";
    public const string ApiClientId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    private DirectoryInfo? workDirectory;

    public string RepositoryRoot { get; } = RepositoryPaths.Root;

    public string MainBicepPath => Path.Combine(RepositoryRoot, "infra", "main.bicep");

    public BicepResult Build { get; private set; } = null!;

    public BicepResult Lint { get; private set; } = null!;

    /// <summary>The compiled ARM template (bicep build output).</summary>
    public JsonObject CompiledTemplate { get; private set; } = null!;

    public string CompiledTemplateText => Build.StandardOutput;

    /// <summary>Defaults plus a deploying principal, as azd deploys it.</summary>
    public Snapshot Default { get; private set; } = null!;

    /// <summary>Provisioned autoscale throughput and no deploying principal.</summary>
    public Snapshot Autoscale { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        workDirectory = Directory.CreateTempSubdirectory("inventory-infra-tests-");

        // `using` in a .bicepparam file must be a relative path, so snapshot a copy of infra/.
        CopyDirectory(Path.Combine(RepositoryRoot, "infra"), Path.Combine(workDirectory.FullName, "infra"));

        var build = BicepCli.RunAsync(RepositoryRoot, "build", MainBicepPath, "--stdout", "--diagnostics-format", "sarif");
        var lint = BicepCli.RunAsync(RepositoryRoot, "lint", MainBicepPath, "--diagnostics-format", "sarif");
        var defaultSnapshot = TakeSnapshotAsync(
            "default",
            $"""
            param environmentName = 'ci'
            param location = '{Location}'
            param apiClientId = '{ApiClientId}'
            param principalId = '{DeployingPrincipalId}'
            """);
        var autoscaleSnapshot = TakeSnapshotAsync(
            "autoscale",
            $"""
            param environmentName = 'ci'
            param location = '{Location}'
            param apiClientId = '{ApiClientId}'
            param cosmosThroughputMode = 'autoscale'
            param cosmosAutoscaleMaxThroughput = 4000
            """);

        Build = await build;
        Lint = await lint;
        CompiledTemplate = Build.ExitCode == 0 ? JsonNode.Parse(Build.StandardOutput)!.AsObject() : [];
        Default = await defaultSnapshot;
        Autoscale = await autoscaleSnapshot;
    }

    public Task DisposeAsync()
    {
        workDirectory?.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private async Task<Snapshot> TakeSnapshotAsync(string name, string parameters)
    {
        var directory = workDirectory!.FullName;
        await File.WriteAllTextAsync(
            Path.Combine(directory, $"{name}.bicepparam"),
            $"using 'infra/main.bicep'{Environment.NewLine}{parameters}{Environment.NewLine}");

        var result = await BicepCli.RunAsync(
            directory,
            "snapshot", $"{name}.bicepparam",
            "--mode", "overwrite",
            "--subscription-id", SubscriptionId,
            "--resource-group", ResourceGroup,
            "--location", Location,
            "--tenant-id", TenantId,
            "--deployment-name", "main");
        var snapshotPath = Path.Combine(directory, $"{name}.snapshot.json");
        if (result.ExitCode != 0 || !File.Exists(snapshotPath))
        {
            throw new InvalidOperationException($"bicep snapshot ({name}) failed: {result}");
        }

        return new Snapshot(JsonNode.Parse(await File.ReadAllTextAsync(snapshotPath))!.AsObject());
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TemplateTestGroup : ICollectionFixture<InfrastructureTemplate>
{
    public const string Name = "Infrastructure template";
}
