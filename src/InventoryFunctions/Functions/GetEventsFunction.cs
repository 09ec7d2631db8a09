using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Application;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/inventories/{inventoryId}/events?fromVersion=1&amp;limit=100</c>: the audit log, read from the event store
/// with one single-partition query per page, in version order.
/// </summary>
public sealed class GetEventsFunction(IEventLogReader log, ILogger<GetEventsFunction> logger)
{
    public const int MaxLimit = 1000;

    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetEvents))]
    public Task<IResult> GetEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/events")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken) =>
        HttpEdge.ReadAsync(logger, inventoryId,
            errors => (From: RequestReader.ReadInteger(request, "fromVersion", 1, 1, long.MaxValue - MaxLimit, errors),
                Limit: (int)RequestReader.ReadInteger(request, "limit", 100, 1, MaxLimit, errors)),
            async asked =>
            {
                var page = await log.ReadEventsAsync(inventoryId, asked.From, asked.Limit, cancellationToken);
                // An empty page past the start still needs to tell "no such inventory" from "nothing newer".
                var exists = page.Events.Count > 0
                    || (asked.From > 1 && (await log.ReadEventsAsync(inventoryId, 1, 1, cancellationToken)).Events.Count > 0);
                return exists ? page : null;
            },
            (_, page) => page is null
                ? Problems.NoEvents(inventoryId)
                : TypedResults.Ok(new EventPageResponse(inventoryId, [.. page.Events.Select(EventResponse.From)], page.NextFromVersion)));
}
