using InventoryFunctions.Cosmos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace InventoryFunctions.Functions;

/// <summary>
/// Names the origin of the Cosmos DB requests a function invocation makes, for <see cref="CosmosRequestMetrics"/>:
/// <c>http</c> for every HTTP-triggered function (one origin for the API), the function's name for the others
/// (each change-feed projector and timer on its own).
/// </summary>
public sealed class CosmosRequestOrigin : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.FunctionDefinition.InputBindings.Values.Any(b => string.Equals(b.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase));
        CosmosRequestMetrics.Origin = http ? "http" : context.FunctionDefinition.Name;
        try
        {
            await next(context);
        }
        finally
        {
            CosmosRequestMetrics.Origin = null;
        }
    }
}
