using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

/// <summary>Telemetry reaches Azure: the host emits OpenTelemetry, and the app gets App Insights with Entra ingestion.</summary>
[Collection(TemplateTestGroup.Name)]
public sealed class TelemetryTests(InfrastructureTemplate template)
{
    [Fact]
    public void The_host_runs_in_OpenTelemetry_mode()
    {
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(template.RepositoryRoot, "src", "InventoryFunctions", "host.json")))!;

        Assert.Equal("OpenTelemetry", (string?)hostJson["telemetryMode"]);
    }

    [Fact]
    public void The_app_exports_to_Application_Insights_with_an_Entra_token()
    {
        var settings = template.Default.AppSettings;

        Assert.False(string.IsNullOrWhiteSpace(settings[InventoryFunctions.Telemetry.ApplicationInsightsConnectionString]));
        Assert.Equal("Authorization=AAD", settings[InventoryFunctions.Telemetry.ApplicationInsightsAuthentication]);
        Assert.Equal("", InventoryFunctions.Telemetry.EntraClientId(settings[InventoryFunctions.Telemetry.ApplicationInsightsAuthentication]));
    }
}
