using Microsoft.Playwright;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The system's Chromium (Debian's <c>chromium</c> package, or <c>CHROMIUM_PATH</c>), driven through Playwright's own
/// driver. Playwright's browser download is never used: CI machines reach package registries only.
/// </summary>
public static class SystemChromium
{
    public static string? ExecutablePath { get; } = Find();

    public static string MissingReason =>
        "No chromium on the PATH (or at CHROMIUM_PATH): install Debian's chromium package (./test.sh does when it can)";

    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath ?? throw new InvalidOperationException(MissingReason),
            Headless = true,
            Args = Arguments,
        });

    /// <summary><c>CHROMIUM_PATH</c> when set, else <c>chromium</c> or <c>chromium-browser</c> on the PATH (Debian, Flox).</summary>
    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM_PATH");
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(configured) ? configured : null;
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return (from name in new[] { "chromium", "chromium-browser" }
                from directory in directories.Append("/usr/bin")
                let path = Path.Combine(directory, name)
                where File.Exists(path)
                select path).FirstOrDefault();
    }
}

/// <summary>A test that needs a browser: reported as skipped, with the reason, where no Chromium is installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (SystemChromium.ExecutablePath is null)
            Skip = SystemChromium.MissingReason;
    }
}

/// <summary>One Chromium for a test class; each test opens its own context (cookies, storage, viewport).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException(SystemChromium.MissingReason);

    public async Task InitializeAsync()
    {
        if (SystemChromium.ExecutablePath is null)
            return;
        _playwright = await Playwright.CreateAsync();
        _browser = await SystemChromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
