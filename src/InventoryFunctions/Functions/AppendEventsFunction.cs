using InventoryFunctions.Http.Auth;
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
    [Access(AccessPolicy.InventoryWrite)]
    [Function(nameof(AppendEvents))]
    public async Task<IResult> AppendEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "inventories/{inventoryId}/events")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        return await CommandEndpoint.ExecuteJsonAsync(request, service, inventoryId, CommandParser.ParseAppendEvents,
            StatusCodes.Status201Created, logger, cancellationToken);
    }
}
