using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/inventories/{inventoryId}/most-collected?top=3&amp;minVersion=N</c>: items ranked by the total quantity
/// ever added (removals do not lower it); ties go to the item first added earlier, as <c>Counter.most_common</c>.
/// One point read of the collected view's root; with <c>minVersion</c> and a view behind N, plus one query of the log's
/// events up to N and one of the parts they touch.
/// </summary>
public sealed class GetMostCollectedFunction(FreshViews views, ILogger<GetMostCollectedFunction> logger)
{
    public const int MaxTop = CollectedView.MaxTop;

    [Access(AccessPolicy.InventoryRead)]
    [Function(nameof(GetMostCollected))]
    public Task<IResult> GetMostCollected(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventories/{inventoryId}/most-collected")] HttpRequest request,
        string inventoryId,
        CancellationToken cancellationToken) =>
        HttpEdge.ReadAsync(logger, inventoryId,
            errors => (Top: (int)RequestReader.ReadInteger(request, "top", 3, 1, MaxTop, errors), MinVersion: RequestReader.ReadMinVersion(request, errors)),
            asked => views.CollectedAsync(inventoryId, asked.MinVersion, cancellationToken),
            (asked, read) => ViewResults.Answer(request, read, inventoryId, view => view.Version,
                view => new MostCollectedResponse(inventoryId, view.Version, view.MostCollected(asked.Top), ParkedResponse.From(view.Parked)),
                view => view.Parked));
}
