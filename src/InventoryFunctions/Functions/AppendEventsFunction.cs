using InventoryFunctions.Application;
using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>POST /api/inventories/{inventoryId}/events</c> <c>{"events":[...]}</c>: 1..50 adds and removes appended in one
/// batch, all or none (409 if a removal, taken in order, would go below zero).
/// </summary>
public sealed class AppendEventsFunction(InventoryService service, ILogger<AppendEventsFunction> logger)
{
    [Function(nameof(AppendEvents))]
    public async Task<IResult> AppendEvents(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "inventories/{inventoryId}/events")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestReader.ReadJsonBodyAsync(request, cancellationToken);
        if (problem is not null)
            return problem;
        using (body)
        {
            var errors = new Dictionary<string, string[]>();
            var command = CommandParser.ParseAppendEvents(body!.RootElement, errors);
            return await CommandEndpoint.ExecuteAsync(request, service, inventoryId, command, errors,
                StatusCodes.Status201Created, logger, cancellationToken);
        }
    }
}
