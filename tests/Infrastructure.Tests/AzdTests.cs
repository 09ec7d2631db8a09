using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

/// <summary>What <c>azd up</c> relies on: azure.yaml, infra/main.parameters.json and the template outputs.</summary>
[Collection(TemplateTestGroup.Name)]
public sealed class AzdTests(InfrastructureTemplate template)
{
    [Fact]
    public void Outputs_name_the_function_app_and_its_API_base_URL()
    {
        var outputs = template.Default.Outputs;
        var app = template.Default.FunctionApp;

        Assert.Equal(Snapshot.Name(app), outputs["AZURE_FUNCTION_APP_NAME"]);
        Assert.Equal(Snapshot.Name(app), outputs["SERVICE_API_NAME"]);
        Assert.StartsWith("[format('https://{0}/api', reference(", outputs["API_BASE_URL"], StringComparison.Ordinal);
        Assert.Contains($"'{Snapshot.Id(app)}'", outputs["API_BASE_URL"], StringComparison.Ordinal);
        Assert.EndsWith(".defaultHostName)]", outputs["API_BASE_URL"], StringComparison.Ordinal);
        Assert.Contains($"'{Snapshot.Id(template.Default.CosmosAccount)}'", outputs["COSMOS_ENDPOINT"], StringComparison.Ordinal);
        Assert.Equal("inventory", outputs["COSMOS_DATABASE_NAME"]);
    }

    [Fact]
    public void The_parameters_file_feeds_declared_parameters_and_every_required_one()
    {
        var declared = template.CompiledTemplate["parameters"]!.AsObject();
        var file = JsonNode.Parse(File.ReadAllText(RepositoryPaths.PathOf("infra", "main.parameters.json")))!["parameters"]!.AsObject();

        Assert.All(file, parameter => Assert.True(declared.ContainsKey(parameter.Key), $"main.bicep declares no parameter {parameter.Key}"));
        Assert.All(
            declared.Where(parameter => parameter.Value!["defaultValue"] is null),
            parameter => Assert.True(file.ContainsKey(parameter.Key), $"main.parameters.json does not set {parameter.Key}"));
        Assert.Equal("${AZURE_ENV_NAME}", (string?)file["environmentName"]!["value"]);
    }

    [Fact]
    public void Azure_yaml_deploys_the_functions_project_as_the_api_service_from_infra()
    {
        var yaml = SimpleYaml.Parse(File.ReadAllText(RepositoryPaths.PathOf("azure.yaml")));

        Assert.Equal("dotnet", yaml["services.api.language"]);
        Assert.Equal("function", yaml["services.api.host"]);
        Assert.Equal("infra", yaml.GetValueOrDefault("infra.path", "infra"));
        var project = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, yaml["services.api.project"]));
        Assert.True(File.Exists(Path.Combine(project, "InventoryFunctions.csproj")), $"No InventoryFunctions.csproj in {project}");

        // azd finds the app to deploy to by this tag.
        Assert.Equal("api", (string?)template.Default.FunctionApp["tags"]!["azd-service-name"]);
    }

    /// <summary>Nested maps of scalars only (what azure.yaml uses), flattened to dotted keys.</summary>
    private static class SimpleYaml
    {
        public static Dictionary<string, string> Parse(string text)
        {
            var values = new Dictionary<string, string>();
            var path = new List<(int Indent, string Key)>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                var content = line.TrimStart();
                if (content.Length == 0 || content.StartsWith('#'))
                {
                    continue;
                }

                var indent = line.Length - content.Length;
                path.RemoveAll(entry => entry.Indent >= indent);
                var colon = content.IndexOf(':', StringComparison.Ordinal);
                var key = content[..colon].Trim();
                var value = content[(colon + 1)..].Trim();
                if (value.Length == 0)
                {
                    path.Add((indent, key));
                }
                else
                {
                    values[string.Join('.', path.Select(entry => entry.Key).Append(key))] = value.Trim('"', '\'');
                }
            }

            return values;
        }
    }
}
