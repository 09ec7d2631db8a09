using InventoryFunctions.Http.Auth;
using InventoryFunctions.Application;
using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary><c>POST /api/inventories/{inventoryId}/items</c> <c>{"itemId":"sword","quantity":2}</c> → 201 with the ItemAdded event.</summary>
public sealed class AddItemFunction(InventoryService service, ILogger<AddItemFunction> logger)
{
    [Access(AccessPolicy.InventoryWrite)]
    [Function(nameof(AddItem))]
    public async Task<IResult> AddItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "inventories/{inventoryId}/items")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        return await CommandEndpoint.ExecuteJsonAsync(request, service, inventoryId, CommandParser.ParseAddItem,
            StatusCodes.Status201Created, logger, cancellationToken);
    }
}
