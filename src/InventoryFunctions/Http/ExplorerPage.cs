namespace InventoryFunctions.Http;

/// <summary>
/// The inventory explorer: one static HTML page, <c>Explorer/explorer.html</c>, with its script and styles inline (no
/// build step, nothing fetched from elsewhere), embedded in the app. Its Content-Security-Policy allows exactly that
/// script and those styles, by hash, and calls to this origin only.
/// </summary>
public static class ExplorerPage
{
    public static string Html { get; } = EmbeddedPages.Read("InventoryFunctions.Explorer.explorer.html");

    public static string ContentSecurityPolicy { get; } =
        $"default-src 'none'; script-src {EmbeddedPages.HashSourceOf(Html, "script")}; style-src {EmbeddedPages.HashSourceOf(Html, "style")}; "
        + "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
}
