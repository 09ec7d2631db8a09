using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

/// <summary>docker-compose.yml cannot run here (no Docker); these keep it consistent with the template and the sample settings.</summary>
[Collection(TemplateTestGroup.Name)]
public sealed class LocalEmulatorTests(InfrastructureTemplate template)
{
    [Fact]
    public void The_emulator_init_script_creates_the_database_and_containers_the_template_declares()
    {
        var commands = File.ReadAllLines(RepositoryPaths.PathOf("infra", "emulator-init", "01-create-inventory.csh"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        var database = (string)template.Default.Database["properties"]!["resource"]!["id"]!;
        var declared = template.Default.OfType("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
            .Select(container => container["properties"]!["resource"]!)
            .Select(resource => $"{resource["id"]} {resource["partitionKey"]!["paths"]![0]}")
            .Order();

        Assert.Contains(commands, command => command is ["mkdb", var name] && name == database);
        Assert.Equal(
            declared,
            commands.Where(command => command[0] == "mkcon")
                .Select(command =>
                {
                    Assert.Equal($"--database={database}", command[3]);
                    return $"{command[1]} {command[2]}";
                })
                .Order());
    }

    [Fact]
    public void Docker_compose_serves_the_emulators_where_the_local_settings_sample_points()
    {
        var compose = File.ReadAllText(RepositoryPaths.PathOf("docker-compose.yml"));
        var sample = JsonNode.Parse(File.ReadAllText(RepositoryPaths.PathOf("local.settings.sample.json")))!["Values"]!;

        Assert.Contains("mcr.microsoft.com/cosmosdb/linux/azure-cosmos-emulator:", compose, StringComparison.Ordinal);
        Assert.Contains("mcr.microsoft.com/azure-storage/azurite", compose, StringComparison.Ordinal);
        Assert.Contains("\"--protocol\", \"http\"", compose, StringComparison.Ordinal);
        Assert.Contains("./infra/emulator-init:/init", compose, StringComparison.Ordinal);
        foreach (var port in new[] { 8081, 10000, 10001, 10002 })
        {
            Assert.Contains($"\"{port}:{port}\"", compose, StringComparison.Ordinal);
        }

        Assert.StartsWith("AccountEndpoint=http://", (string?)sample["CosmosDb"], StringComparison.Ordinal);
        Assert.Contains(":8081/", (string?)sample["CosmosDb"], StringComparison.Ordinal);
        Assert.Equal("UseDevelopmentStorage=true", (string?)sample["AzureWebJobsStorage"]);
    }
}
