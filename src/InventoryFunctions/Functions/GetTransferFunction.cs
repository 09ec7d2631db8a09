using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.Http;
using InventoryFunctions.Http.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary><c>GET /api/inventories/{inventoryId}/transfers/{transferId}</c>: the transfer and its state, one point read.</summary>
public sealed class GetTransferFunction(TransferService transfers, ILogger<GetTransferFunction> logger)
{
    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetTransfer))]
    public Task<IResult> GetTransfer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/transfers/{transferId}")] HttpRequest request,
        string inventoryId,
        string transferId,
        CancellationToken cancellationToken) =>
        HttpEdge.ReadAsync(logger, inventoryId, errors =>
            {
                if (!Transfers.IsId(transferId))
                    errors["transferId"] = ["transferId must be 32 lowercase hex digits, as in the Location the POST answered."];
                return transferId;
            },
            _ => transfers.GetAsync(inventoryId, transferId, cancellationToken),
            (_, stored) => stored is null
                ? Problems.TransferNotFound.With($"Inventory '{inventoryId}' sent no transfer '{transferId}'.")
                : TypedResults.Ok(TransferResponse.Of(stored.Transfer)));
}
