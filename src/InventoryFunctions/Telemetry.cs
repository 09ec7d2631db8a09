using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using InventoryFunctions.Operations;

namespace InventoryFunctions;

/// <summary>
/// OpenTelemetry as the isolated worker wires it (with <c>"telemetryMode": "OpenTelemetry"</c> in host.json): traces
/// of the function invocations and ASP.NET Core requests down to each Cosmos DB operation, the meters
/// <c>InventoryFunctions.Cosmos</c> and <c>InventoryFunctions.Projections</c>. Exported to Azure Monitor when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (Entra ID token when the authentication string says
/// <c>Authorization=AAD</c>), and to the console or OTLP when <c>TelemetryExporter</c> says so; with none, nothing is registered.
/// </summary>
public static class Telemetry
{
    /// <summary>Local export, optional: <c>console</c> or <c>otlp</c> (to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>). Azure Monitor needs no setting here.</summary>
    public const string ExporterSetting = "TelemetryExporter";

    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string ApplicationInsightsAuthentication = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The Cosmos DB SDK's operation-level activity source (one span per operation, retries inside).</summary>
    public const string CosmosActivitySource = "Azure.Cosmos.Operation";

    public static IServiceCollection AddInventoryTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        // Read here, at registration; TelemetryOptions checks the same value at start, so a misspelt exporter stops the app.
        var azureMonitor = configuration[ApplicationInsightsConnectionString] is { Length: > 0 };
        var exporter = configuration[ExporterSetting]?.Trim().ToLowerInvariant();
        if (!azureMonitor && exporter is not ("console" or "otlp"))
            return services;

        // Azure SDKs (Cosmos DB among them) publish their ActivitySources only with this switch on.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddSource(CosmosActivitySource, "Microsoft.Azure.Functions.Worker", "Microsoft.AspNetCore"))
            .WithMetrics(metrics => metrics.AddMeter(CosmosRequestMetrics.MeterName, ProjectionGauges.MeterName));
        if (azureMonitor)
        {
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = configuration[ApplicationInsightsConnectionString];
                if (EntraClientId(configuration[ApplicationInsightsAuthentication]) is { } clientId)
                    options.Credential = new ManagedIdentityCredential(clientId.Length > 0 ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned);
            });
        }
        if (exporter == "console")
            telemetry.WithTracing(t => t.AddConsoleExporter()).WithMetrics(m => m.AddConsoleExporter());
        else if (exporter == "otlp")
            telemetry.UseOtlpExporter(); // OTEL_EXPORTER_OTLP_ENDPOINT, as every OpenTelemetry SDK reads it
        return services;
    }

    /// <summary>"Authorization=AAD" → "" (system-assigned); "Authorization=AAD;ClientId=…" → the client id; anything else → null (no token).</summary>
    public static string? EntraClientId(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
            return null;
        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("Authorization", out var kind) && kind.Equals("AAD", StringComparison.OrdinalIgnoreCase)
            ? parts.GetValueOrDefault("ClientId", "")
            : null;
    }
}

/// <summary>The optional local exporter setting, checked at start: <c>console</c>, <c>otlp</c> or unset (see <see cref="Telemetry"/>).</summary>
public sealed class TelemetryOptions
{
    [System.ComponentModel.DataAnnotations.RegularExpression(@"(?i)^\s*(console|otlp)?\s*$", ErrorMessage = "TelemetryExporter must be console, otlp or unset.")]
    [ConfigurationKeyName(Telemetry.ExporterSetting)]
    public string? Exporter { get; set; }
}
