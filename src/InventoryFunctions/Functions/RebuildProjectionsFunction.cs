using System.Text.Json;
using InventoryFunctions.Http;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>POST /api/projections/rebuild</c> (admin key): <c>{"inventoryId":"…"}</c> recomputes that inventory's views
/// (inventory view and dwell time) from its log and returns the inventory view; an empty body (or <c>{}</c>) rebuilds every inventory and returns how many.
/// The route is not <c>admin/…</c>: the Functions host reserves routes starting with "admin" for its own API.
/// </summary>
public sealed class RebuildProjectionsFunction(InventoryProjector projector, InventoryViewsRebuilder rebuilder, ILogger<RebuildProjectionsFunction> logger)
{
    [Function(nameof(RebuildProjections))]
    public async Task<IResult> RebuildProjections(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "projections/rebuild")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        string? inventoryId = null;
        if (request.ContentLength is not 0 && (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0))
        {
            var (body, problem) = await RequestReader.ReadJsonBodyAsync(request, cancellationToken);
            if (problem is not null)
                return problem;
            using (body)
            {
                var errors = new Dictionary<string, string[]>();
                var root = body!.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    errors["body"] = ["The body must be a JSON object: {\"inventoryId\":\"…\"}, or {} for every inventory."];
                else
                {
                    CommandParser.RejectUnknownProperties(root, "", ["inventoryId"], errors);
                    if (root.TryGetProperty("inventoryId", out var id))
                    {
                        inventoryId = id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                        if (inventoryId is null)
                            errors["inventoryId"] = ["inventoryId must be a string."];
                        else
                            CommandParser.ValidateInventoryId(inventoryId, errors);
                    }
                }
                if (errors.Count > 0)
                    return Problems.Validation(errors);
            }
        }

        if (inventoryId is not null)
        {
            var (view, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => rebuilder.RebuildAsync(inventoryId, cancellationToken));
            if (problem is not null)
                return problem;
            if (view!.Version == 0)
                return ViewResults.NotFound(inventoryId);
            return TypedResults.Ok(new RebuiltViewResponse(inventoryId, view.Version, view.Items, view.MostCollected(int.MaxValue), view.UpdatedAt.UtcDateTime));
        }

        var (result, failure) = await HttpEdge.GuardAsync(logger, "*", () => projector.RebuildAllAsync(cancellationToken));
        return failure ?? TypedResults.Ok(new RebuildAllResponse(result!.Rebuilt, result.Failed));
    }
}
