using InventoryFunctions.Http;
using InventoryFunctions.Cosmos;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Cosmos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Functions;

/// <summary>Liveness plus a Cosmos DB reachability check: one read of the database resource.</summary>
public sealed class HealthFunction(CosmosClient cosmos, IOptions<CosmosOptions> options, ILogger<HealthFunction> logger)
{
    private static readonly TimeSpan CosmosTimeout = TimeSpan.FromSeconds(5);

    [Function("Health")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CosmosTimeout);
        try
        {
            await cosmos.GetDatabase(options.Value.DatabaseName).ReadAsync(cancellationToken: timeout.Token);
            return TypedResults.Ok(new HealthReport("healthy", "ok"));
        }
        catch (Exception ex) when (ex is CosmosException or OperationCanceledException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Health check could not reach Cosmos DB database {Database}", options.Value.DatabaseName);
            return Problems.ServiceUnavailable.With($"Cosmos DB database '{options.Value.DatabaseName}' did not answer: {ex.Message}");
        }
    }

    public sealed record HealthReport(string Status, string Cosmos);
}
