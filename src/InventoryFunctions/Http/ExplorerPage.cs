using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace InventoryFunctions.Http;

/// <summary>
/// The inventory explorer: one static HTML page, <c>Explorer/explorer.html</c>, with its script and styles inline (no
/// build step, nothing fetched from elsewhere), embedded in the app. Its Content-Security-Policy allows exactly that
/// script and those styles, by hash, and calls to this origin only.
/// </summary>
public static partial class ExplorerPage
{
    private const string ResourceName = "InventoryFunctions.Explorer.explorer.html";

    public static string Html { get; } = Load();

    public static string ContentSecurityPolicy { get; } =
        $"default-src 'none'; script-src '{Sha256Of(ScriptBlock(), "script")}'; style-src '{Sha256Of(StyleBlock(), "style")}'; "
        + "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

    private static string Load()
    {
        using var stream = typeof(ExplorerPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The app was built without its embedded resource {ResourceName}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The one inline block of a kind; the CSP hash covers its exact text between the tags.</summary>
    private static string Sha256Of(Regex block, string tag)
    {
        var matches = block.Matches(Html);
        if (matches.Count != 1)
            throw new InvalidOperationException($"The explorer page must have exactly one inline <{tag}> block; it has {matches.Count}.");
        return "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(matches[0].Groups["body"].Value)));
    }

    [GeneratedRegex("<script>(?<body>.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptBlock();

    [GeneratedRegex("<style>(?<body>.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();
}
