using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InventoryFunctions.Http;

public static class ViewResults
{
    /// <summary>On a read of a parked view: when it was parked (ISO 8601 UTC). The body's <c>parked</c> says why.</summary>
    public const string ParkedHeader = "Projection-Parked";

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The response header that says which store answered a read: <c>view</c>, <c>head</c> or <c>view+log</c>.</summary>
    public const string ServedFromHeader = "Served-From";

    /// <summary>
    /// The answer to a read of the view (or, with <c>minVersion</c>, of whatever could answer it): 200 with the version's
    /// ETag and <see cref="ServedFromHeader"/>, 304 when <c>If-None-Match</c> names that ETag, else the problem.
    /// </summary>
    /// <param name="page">A page of the answer other than the first: its ETag names the page too.</param>
    public static IResult Answer<T>(HttpRequest request, FreshRead<T> read, string inventoryId, Func<T, long> version, Func<T, object> body, Func<T, Parking?> parked,
        int page = 0) => read switch
    {
        FreshRead<T>.Found found => Found(request, version(found.Value), page, found.Source, parked(found.Value), () => body(found.Value)),
        FreshRead<T>.NoInventory => NotFound(inventoryId),
        FreshRead<T>.CorruptView => Corrupt(inventoryId),
        FreshRead<T>.NotReached notReached => Problems.VersionNotReached(
            $"Inventory '{inventoryId}' is at version {notReached.CurrentVersion}, below the minVersion asked for.", notReached.CurrentVersion),
        FreshRead<T>.TooFarBehind behind => HttpEdge.WithRetryAfter(1, Problems.ServiceUnavailable.With(
            $"The projection of '{inventoryId}' is at version {behind.ViewVersion}, more than {FreshViews.MaxCatchUpEvents} events behind minVersion; retry shortly.")),
        _ => throw new InvalidOperationException($"Unknown read outcome {read}"),
    };

    private static IResult Found(HttpRequest request, long version, int page, ReadSource source, Parking? parked, Func<object> body)
    {
        var etag = page == 0 ? HttpEdge.ETag(version) : HttpEdge.ETag(version)[..^1] + "-" + page.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
        var headers = request.HttpContext.Response.Headers;
        headers.ETag = etag;
        headers[ServedFromHeader] = source switch { ReadSource.Head => "head", ReadSource.ViewAndLog => "view+log", _ => "view" };
        MarkParked(headers, parked);
        return HttpEdge.IsNotModified(request, etag) ? HttpEdge.NotModified() : TypedResults.Ok(body());
    }

    /// <summary>Says on a response that the view it answers from is parked, and since when.</summary>
    public static void MarkParked(IHeaderDictionary headers, Parking? parked)
    {
        if (parked is not null)
            headers[ParkedHeader] = Iso(parked.At);
    }

    /// <summary>No projection yet: the inventory has no events, or the projector has not reached it.</summary>
    public static ProblemHttpResult NotFound(string inventoryId) =>
        Problems.InventoryNotFound.With($"Inventory '{inventoryId}' has no projection yet: it has no events, or they are still being projected.");

    /// <summary>The stored view cannot be read; the projector rebuilds it on the next event, the rebuild endpoint at once.</summary>
    public static ProblemHttpResult Corrupt(string inventoryId) => Problems.CorruptProjection.With(
        $"The projection of '{inventoryId}' is damaged; POST /api/projections/rebuild {{\"inventoryId\":\"{inventoryId}\"}} recomputes it from the log.");
}
