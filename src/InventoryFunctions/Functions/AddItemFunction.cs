using InventoryFunctions.Application;
using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary><c>POST /api/inventories/{inventoryId}/items</c> <c>{"itemId":"sword","quantity":2}</c> → 201 with the ItemAdded event.</summary>
public sealed class AddItemFunction(InventoryService service, ILogger<AddItemFunction> logger)
{
    [Function(nameof(AddItem))]
    public async Task<IResult> AddItem(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "inventories/{inventoryId}/items")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestReader.ReadJsonBodyAsync(request, cancellationToken);
        if (problem is not null)
            return problem;
        using (body)
        {
            var errors = new Dictionary<string, string[]>();
            var command = CommandParser.ParseAddItem(body!.RootElement, errors);
            return await CommandEndpoint.ExecuteAsync(request, service, inventoryId, command, errors,
                StatusCodes.Status201Created, logger, cancellationToken);
        }
    }
}
