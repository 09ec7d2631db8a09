using System.Text.Json;

namespace InventoryFunctions.LocalHost;

/// <summary>The host's own error answers, as RFC 9457 problem details (the function's answers pass through untouched).</summary>
internal static class Problems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter = null)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        if (retryAfter is { } delay)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            type = "about:blank",
            title,
            status,
            detail,
            instance = context.Request.Path.Value,
        }));
    }
}
