using InventoryFunctions.Http.Auth;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary><c>DELETE /api/inventories/{inventoryId}/items/{itemId}?quantity=N</c> → 200 with the ItemRemoved event, 409 if fewer are held.</summary>
public sealed class RemoveItemFunction(InventoryService service, ILogger<RemoveItemFunction> logger)
{
    [Access(AccessPolicy.InventoryWrite)]
    [Function(nameof(RemoveItem))]
    public async Task<IResult> RemoveItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "inventories/{inventoryId}/items/{itemId}")] HttpRequest request,
        string inventoryId,
        string itemId,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var validItemId = CommandParser.ValidateRouteItemId(itemId, errors);
        var quantity = (int)RequestReader.ReadInteger(request, "quantity", 1, 1, InventoryRules.MaxQuantity, errors);
        var command = validItemId is null ? null : new Domain.RemoveItem(validItemId, quantity);
        return await CommandEndpoint.ExecuteAsync(request, service, inventoryId, command, errors,
            StatusCodes.Status200OK, logger, cancellationToken);
    }
}
