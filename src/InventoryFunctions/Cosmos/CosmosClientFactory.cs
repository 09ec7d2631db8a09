using System.Data.Common;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Builds the app's single <see cref="CosmosClient"/> from the <c>CosmosDb</c> connection setting, using the
/// same convention as the Cosmos DB trigger: a connection string (emulator, local dev server) or
/// <c>CosmosDb__accountEndpoint</c> with a managed identity (Azure, where keys are disabled).
/// </summary>
public static class CosmosClientFactory
{
    public static CosmosClient Create(IConfiguration configuration, IEnumerable<RequestHandler>? handlers = null)
    {
        var setting = configuration.GetSection(AppSettings.CosmosConnection);
        var options = new CosmosClientOptions
        {
            ApplicationName = "InventoryFunctions",
            // Writes answer with headers only; the app never needs the echoed body.
            EnableContentResponseOnWrite = false,
            UseSystemTextJsonSerializerWithOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
            // One span per operation (source Azure.Cosmos.Operation) under the function's, when tracing listens; said explicitly.
            CosmosClientTelemetryOptions = new CosmosClientTelemetryOptions { DisableDistributedTracing = false },
        };
        foreach (var handler in handlers ?? [])
            options.CustomHandlers.Add(handler);

        if (!string.IsNullOrWhiteSpace(setting.Value))
        {
            if (IsLoopback(setting.Value))
            {
                // Emulators (the official one and the local dev server) only serve the gateway
                // on the address they were given; Direct mode would chase other addresses.
                options.ConnectionMode = ConnectionMode.Gateway;
                options.LimitToEndpoint = true;
            }
            return new CosmosClient(setting.Value, options);
        }

        var endpoint = setting["accountEndpoint"];
        if (string.IsNullOrWhiteSpace(endpoint))
            throw new InvalidOperationException(
                $"Set '{AppSettings.CosmosConnection}' to a Cosmos DB connection string, or '{AppSettings.CosmosConnection}__accountEndpoint' to an account endpoint reached with a managed identity.");
        return new CosmosClient(endpoint, AzureCredentials.For(setting), options);
    }

    private static bool IsLoopback(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return builder.TryGetValue("AccountEndpoint", out var value)
            && Uri.TryCreate(value?.ToString(), UriKind.Absolute, out var uri)
            && (uri.IsLoopback || uri.Host == "localhost");
    }
}
