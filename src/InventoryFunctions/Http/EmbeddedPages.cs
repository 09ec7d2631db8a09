using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace InventoryFunctions.Http;

/// <summary>
/// What the app's embedded documents share: read from the assembly, and the Content-Security-Policy source that
/// allows exactly one inline block by the hash of its text.
/// </summary>
public static partial class EmbeddedPages
{
    public static string Read(string resourceName)
    {
        using var stream = typeof(EmbeddedPages).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The app was built without its embedded resource {resourceName}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>An HTML page with its Content-Security-Policy; never sniffed, never cached stale.</summary>
    public static IResult Serve(HttpRequest request, string html, string contentSecurityPolicy)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = contentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        // The explorer's URL names the inventory looked at: never send it on as a referrer.
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    /// <summary><c>'sha256-…'</c> of the one inline <c>&lt;script&gt;</c> or <c>&lt;style&gt;</c> block of <paramref name="html"/>: the hash covers its exact text between the tags.</summary>
    public static string HashSourceOf(string html, string tag)
    {
        var matches = (tag == "script" ? ScriptBlock() : StyleBlock()).Matches(html);
        if (matches.Count != 1)
            throw new InvalidOperationException($"A page must have exactly one inline <{tag}> block; it has {matches.Count}.");
        return "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(matches[0].Groups["body"].Value))) + "'";
    }

    [GeneratedRegex("<script>(?<body>.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptBlock();

    [GeneratedRegex("<style>(?<body>.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();
}
