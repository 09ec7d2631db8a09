using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace InventoryFunctions.Http;

/// <summary>
/// Reads what a command request carries (a bounded JSON body, <c>If-Match</c>, <c>Idempotency-Key</c>),
/// collecting every problem per field so that one 400 can name them all.
/// </summary>
public static class RequestReader
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxIdempotencyKeyLength = 100;

    /// <summary>
    /// The one way a request's body is read: parsed (see <see cref="ReadJsonBodyAsync"/>) and handed to
    /// <paramref name="handle"/>, or the problem answered without calling it; the parsed body is released after.
    /// </summary>
    public static async Task<IResult> WithJsonBodyAsync(HttpRequest request, Func<JsonElement, Task<IResult>> handle, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadJsonBodyAsync(request, cancellationToken);
        if (problem is not null)
            return problem;
        using (body)
            return await handle(body!.RootElement);
    }

    /// <summary>Whether the request carries a body: a Content-Length above 0, or a chunked one (which has none).</summary>
    public static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>The parsed body, or the problem to answer with (413, 415, or 400: see <see cref="StrictJson"/>).</summary>
    private static async Task<(JsonDocument? Body, IResult? Problem)> ReadJsonBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
            return (null, Problems.UnsupportedMediaType.With($"Send 'Content-Type: application/json' (got '{request.ContentType ?? "none"}')."));
        if (request.ContentLength > MaxBodyBytes)
            return (null, TooLarge());

        // Read at most one byte past the limit, whatever Content-Length said (chunked bodies have none).
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = 0;
            int read;
            while (length <= MaxBodyBytes && (read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken)) > 0)
                length += read;
            if (length > MaxBodyBytes)
                return (null, TooLarge());
            var errors = new Dictionary<string, string[]>();
            var body = StrictJson.Parse(buffer.AsMemory(0, length), errors);
            return body is null ? (null, Problems.Validation(errors)) : (body, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary><c>If-Match: "N"</c> → N; absent → null. Anything else is an error on <paramref name="errors"/>.</summary>
    public static long? ReadExpectedVersion(HttpRequest request, IDictionary<string, string[]> errors)
    {
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
            return null;
        var text = values.Count == 1 ? values[0]!.Trim() : null;
        if (text is { Length: >= 3 } && text[0] == '"' && text[^1] == '"'
            && long.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            return version;
        errors["If-Match"] = ["If-Match must be one quoted version, such as \"3\" (\"0\": the inventory must not exist yet)."];
        return null;
    }

    /// <summary>The <c>Idempotency-Key</c> header, or null; 1..100 printable ASCII characters.</summary>
    public static string? ReadIdempotencyKey(HttpRequest request, IDictionary<string, string[]> errors)
    {
        var values = request.Headers["Idempotency-Key"];
        if (values.Count == 0)
            return null;
        var key = values.Count == 1 ? values[0] : null;
        if (key is { Length: >= 1 and <= MaxIdempotencyKeyLength } && key.All(c => c is >= ' ' and <= '~'))
            return key;
        errors["Idempotency-Key"] = [$"Idempotency-Key must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters."];
        return null;
    }

    /// <summary>An optional positive integer query parameter in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static long ReadInteger(HttpRequest request, string name, long defaultValue, long min, long max, IDictionary<string, string[]> errors)
    {
        var values = request.Query[name];
        if (values.Count == 0)
            return defaultValue;
        if (values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        errors[name] = [$"{name} must be one integer from {min} to {max}."];
        return defaultValue;
    }

    /// <summary>
    /// The optional <c>minVersion</c> of a read (read-your-writes: the version a write answered with); null when absent
    /// or 0 (any version will do).
    /// </summary>
    public static long? ReadMinVersion(HttpRequest request, IDictionary<string, string[]> errors) =>
        ReadInteger(request, "minVersion", 0, 0, long.MaxValue, errors) is > 0 and var version ? version : null;

    // ISO 8601 only: DateTimeOffset.TryParse would also take "01/05/2026 12:00:00 +02:00" (as 5 January) or "May 1, 2026 …".
    // Upper-cased first, as RFC 3339 allows 't' and 'z'.
    private const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK";

    /// <summary>An instant must say its zone ('Z' or an offset): a local time would name a different instant per reader.</summary>
    public static DateTimeOffset? ReadInstant(HttpRequest request, string name, IDictionary<string, string[]> errors)
    {
        var values = request.Query[name];
        var text = values.Count == 1 ? values[0] : null;
        if (text is { Length: >= 20 }
            && (text[^1] is 'Z' or 'z' || text[^6] is '+' or '-')
            && DateTimeOffset.TryParseExact(text.ToUpperInvariant(), InstantFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            return instant.ToUniversalTime();
        errors[name] = [$"{name} must be one ISO 8601 instant with a zone, e.g. 2026-05-01T12:00:00Z."];
        return null;
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType is { } mediaType
        && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge() =>
        Problems.PayloadTooLarge.With($"The body may hold at most {MaxBodyBytes} bytes.");
}
