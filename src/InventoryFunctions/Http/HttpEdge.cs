using System.Globalization;
using System.Net;
using InventoryFunctions.Application;
using InventoryFunctions.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace InventoryFunctions.Http;

/// <summary>What every HTTP function shares around its store calls: failure mapping and version ETags.</summary>
public static class HttpEdge
{
    /// <summary>
    /// Runs a store call and maps the failures every endpoint shares: throttling and transient faults that outlived
    /// the SDK's retries → 503 with Retry-After; an undecodable event in the log → 500 naming it.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> GuardAsync<T>(ILogger logger, string inventoryId, Func<Task<T>> action)
    {
        try
        {
            return (await action(), null);
        }
        catch (CosmosException ex) when (IsTransient(ex.StatusCode))
        {
            logger.LogWarning(ex, "Cosmos DB answered {Status} for {InventoryId}", (int)ex.StatusCode, inventoryId);
            var retryAfter = Math.Max(1, (int)Math.Ceiling((ex.RetryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds));
            return (default, new RetryAfterResult(retryAfter, Problems.ServiceUnavailable.With(
                $"Cosmos DB is throttling or unavailable ({(int)ex.StatusCode}); nothing was written. Retry after {retryAfter} s.")));
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "Cosmos DB unreachable for {InventoryId}", inventoryId);
            // A connection that broke after the request was sent may have carried a write: only a retry with the same
            // Idempotency-Key is safe.
            return (default, new RetryAfterResult(1, Problems.ServiceUnavailable.With(
                "Cosmos DB did not answer; the request may or may not have been applied. Retry it with the same Idempotency-Key.")));
        }
        catch (ViewRejectedException ex)
        {
            logger.LogError(ex, "The store refused the view of {InventoryId}", ex.InventoryId);
            return (default, Problems.ViewRejected.With(ex.Message));
        }
        catch (ContentionException ex)
        {
            logger.LogWarning(ex, "Contention on {InventoryId}", inventoryId);
            return (default, new RetryAfterResult(1, Problems.TooMuchContention.With(ex.Message)));
        }
        catch (CorruptEventException ex)
        {
            logger.LogError(ex, "Undecodable event {DocumentId} in {InventoryId}: {Reason}", ex.DocumentId, ex.InventoryId, ex.Reason);
            return (default, Problems.CorruptEvent.With(ex.Message, new Dictionary<string, object?> { ["documentId"] = ex.DocumentId }));
        }
    }

    /// <summary>
    /// The shape of every read of one inventory: the route's inventory id and the query read together
    /// (<paramref name="query"/> adds what is wrong to the errors; one 400 names all of it), then the store call
    /// guarded as <see cref="GuardAsync{T}"/> does, then <paramref name="answer"/>.
    /// </summary>
    public static async Task<IResult> ReadAsync<TQuery, T>(ILogger logger, string inventoryId, Func<Dictionary<string, string[]>, TQuery> query,
        Func<TQuery, Task<T>> read, Func<TQuery, T, IResult> answer)
    {
        var errors = CommandParser.ErrorsForRoute(inventoryId);
        var asked = query(errors);
        if (errors.Count > 0)
            return Problems.Validation(errors);
        var (value, problem) = await GuardAsync(logger, inventoryId, () => read(asked));
        return problem ?? answer(asked, value!);
    }

    public static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    private static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
        or HttpStatusCode.RequestTimeout or HttpStatusCode.Gone or (HttpStatusCode)449 or HttpStatusCode.InternalServerError;

    /// <summary>
    /// True when the request's <c>If-None-Match</c> names <paramref name="etag"/> (or is <c>*</c>): the client's copy is
    /// current. Compared weakly, as RFC 9110 says for If-None-Match.
    /// </summary>
    public static bool IsNotModified(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0 || !EntityTagHeaderValue.TryParseList(header, out var tags))
            return false;
        var current = new EntityTagHeaderValue(etag);
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }

    /// <summary>304 with no body; the ETag header is already on the response.</summary>
    public static IResult NotModified() => TypedResults.StatusCode(StatusCodes.Status304NotModified);

    /// <summary>A problem with a <c>Retry-After</c> header.</summary>
    public static IResult WithRetryAfter(int seconds, IResult problem) => new RetryAfterResult(seconds, problem);

    /// <summary>A result with one more response header (<c>WWW-Authenticate</c> on a 401, say).</summary>
    public static IResult WithHeader(string name, string value, IResult inner) => new HeaderResult(name, value, inner);

    /// <summary>A problem with a <c>Retry-After</c> header.</summary>
    private sealed class RetryAfterResult(int seconds, IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) =>
            new HeaderResult("Retry-After", seconds.ToString(CultureInfo.InvariantCulture), inner).ExecuteAsync(httpContext);
    }

    private sealed class HeaderResult(string name, string value, IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
