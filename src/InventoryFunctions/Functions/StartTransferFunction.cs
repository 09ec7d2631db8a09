using InventoryFunctions.Application;
using InventoryFunctions.Http;
using InventoryFunctions.Http.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>POST /api/inventories/{inventoryId}/transfers</c> <c>{"to":"player-2","items":[{"itemId":"sword","quantity":1}]}</c>
/// with <c>Idempotency-Key</c> (required) and optional <c>If-Match</c>: the sender is debited at once, in one batch
/// with the transfer's record; 202 with <c>Location</c> of the transfer, which the change feed then completes (or
/// refunds). The same key again answers the same transfer.
/// </summary>
public sealed class StartTransferFunction(TransferService transfers, ILogger<StartTransferFunction> logger)
{
    [Access(AccessPolicy.TransferStart)]
    [Function(nameof(StartTransfer))]
    public async Task<IResult> StartTransfer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "inventories/{inventoryId}/transfers")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken)
    {
        return await RequestReader.WithJsonBodyAsync(request, async body =>
        {
            var errors = CommandParser.ErrorsForRoute(inventoryId);
            var parsed = CommandParser.ParseTransfer(body, inventoryId, errors);
            var expectedVersion = RequestReader.ReadExpectedVersion(request, errors);
            var key = RequestReader.ReadIdempotencyKey(request, errors);
            if (key is null && !errors.ContainsKey("Idempotency-Key"))
                errors["Idempotency-Key"] = ["Idempotency-Key is required: a transfer is retried safely only with it."];
            if (errors.Count > 0 || parsed is not { } transfer)
                return Problems.Validation(errors);

            var (outcome, problem) = await HttpEdge.GuardAsync(logger, inventoryId,
                () => transfers.StartAsync(new TransferRequest(inventoryId, transfer.To, transfer.Items, key!, expectedVersion,
                    Principal.Of(request.HttpContext)?.Actor), cancellationToken));
            if (problem is not null)
                return problem;
            var response = request.HttpContext.Response;
            if (outcome is TransferOutcome.Started started)
            {
                if (started.Replayed)
                    response.Headers[CommandEndpoint.IdempotentReplayedHeader] = "true";
                response.Headers.Location = TransferLocation(inventoryId, started.Transfer.TransferId);
                return TypedResults.Json(TransferResponse.Of(started.Transfer), statusCode: StatusCodes.Status202Accepted);
            }
            return CommandEndpoint.ProblemFor(((TransferOutcome.NotStarted)outcome!).Outcome, response, inventoryId);
        }, cancellationToken);
    }

    public static string TransferLocation(string from, string transferId) => $"/api/inventories/{from}/transfers/{transferId}";
}
