using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Http;

public static class ViewResults
{
    /// <summary>On a read of a parked view: when it was parked (ISO 8601 UTC). The body's <c>parked</c> says why.</summary>
    public const string ParkedHeader = "Projection-Parked";

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// One point read of an inventory's view, with the answers both read endpoints share: 404 when there is none,
    /// 500 when it is damaged, 503 when Cosmos DB is unavailable. On success the response carries the view's ETag.
    /// </summary>
    public static async Task<(InventoryView? View, IResult? Problem)> ReadAsync(
        HttpRequest request, IProjectionStore views, ILogger logger, string inventoryId, CancellationToken cancellationToken)
    {
        var (stored, problem) = await HttpEdge.GuardAsync(logger, inventoryId, () => views.ReadAsync(inventoryId, cancellationToken));
        if (problem is not null)
            return (null, problem);
        if (stored is null)
            return (null, NotFound(inventoryId));
        if (stored.View is null)
            return (null, Corrupt(inventoryId));
        request.HttpContext.Response.Headers.ETag = HttpEdge.ETag(stored.View.Version);
        if (stored.View.Parked is { } parked)
            request.HttpContext.Response.Headers[ParkedHeader] = Iso(parked.At);
        return (stored.View, null);
    }

    /// <summary>No projection yet: the inventory has no events, or the projector has not reached it.</summary>
    public static ProblemHttpResult NotFound(string inventoryId) =>
        Problems.InventoryNotFound.With($"Inventory '{inventoryId}' has no projection yet: it has no events, or they are still being projected.");

    /// <summary>The stored view cannot be read; the projector rebuilds it on the next event, the rebuild endpoint at once.</summary>
    public static ProblemHttpResult Corrupt(string inventoryId) => Problems.CorruptProjection.With(
        $"The projection of '{inventoryId}' is damaged; POST /api/projections/rebuild {{\"inventoryId\":\"{inventoryId}\"}} recomputes it from the log.");
}
