using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using InventoryFunctions.Domain;
using InventoryFunctions.Http.Auth;
using InventoryFunctions.Testing;
using InventoryFunctions.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;
using static Microsoft.Playwright.Assertions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The explorer page (<c>GET /api/explorer</c>) in headless Chromium against the local stack: what it shows is compared
/// with the API's own answers and with folding the log. Set <c>EXPLORER_SCREENSHOT=/path/explorer.png</c> to save a
/// screenshot of the sample inventory (docs/explorer.png is made that way).
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ExplorerPageTests(LocalStackFixture stack, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    // A sample history whose earlier versions differ from now in some items and not others.
    private static readonly (string Type, string ItemId, int Quantity)[] SampleEvents =
    [
        ("ItemAdded", "sword", 1), ("ItemAdded", "shield", 1), ("ItemAdded", "potion", 5), ("ItemAdded", "arrow", 20),
        ("ItemRemoved", "potion", 2), ("ItemAdded", "gem.stone", 3), ("ItemRemoved", "arrow", 12), ("ItemRemoved", "shield", 1),
        ("ItemAdded", "sword", 1), ("ItemAdded", "potion", 2),
    ];

    private Uri ExplorerUrl => new(stack.Http.BaseAddress!, "explorer");

    /// <summary>The explorer is for support: a support token from the development issuer.</summary>
    private Task<string> SupportTokenAsync() => stack.Stack.App.IssueTokenAsync("support-1", [AppRoles.Support]);

    /// <summary>A browser context whose tab already holds a support token, as after pasting one into the page.</summary>
    private async Task<IBrowserContext> SignedInContextAsync(BrowserNewContextOptions? options = null)
    {
        var context = await browser.Browser.NewContextAsync(options);
        await context.AddInitScriptAsync($"sessionStorage.setItem('inventory-explorer-token', '{await SupportTokenAsync()}');");
        return context;
    }

    [BrowserFact]
    public async Task The_page_shows_counts_chart_timeline_and_the_state_at_an_earlier_version()
    {
        var inventoryId = await CreateSampleInventoryAsync();
        var view = await stack.Http.WaitForViewAsync(inventoryId, SampleEvents.Length);
        var collected = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/most-collected?top=10");
        var log = await stack.Http.ReadLogAsync(inventoryId);
        await using var context = await SignedInContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 900 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync(ExplorerUrl.ToString());
        await page.GetByLabel("Inventory id").FillAsync(inventoryId);
        await page.GetByLabel("Inventory id").PressAsync("Enter");
        await WaitUntilShownAsync(page, inventoryId, log.Count);

        // Counts from the view, and no lag: the view is at the head.
        Assert.Equal(
            ItemsOf(view.GetProperty("items")).Select(kv => new[] { kv.Key, Number(kv.Value) }),
            await RowsAsync(page, "#now-table"));
        await Expect(page.Locator("#lag")).ToContainTextAsync($"Up to date with the log's head (version {log.Count})");

        // One bar per most-collected item, in the API's order, as long as its share of the largest.
        var bars = await page.EvalOnSelectorAsync<string[][]>("#collected-chart",
            "ol => [...ol.children].map(li => [li.dataset.item, li.dataset.collected, String(li.querySelector('.bar').getBoundingClientRect().width), String(li.querySelector('.track').getBoundingClientRect().width)])");
        var expectedBars = collected.Body.GetProperty("items").EnumerateArray()
            .Select(i => (Item: i.GetProperty("itemId").GetString()!, Collected: i.GetProperty("collected").GetInt32())).ToList();
        Assert.Equal(expectedBars.Count, bars.Length);
        var most = expectedBars.Max(b => b.Collected);
        foreach (var (expected, bar) in expectedBars.Zip(bars))
        {
            Assert.Equal(expected.Item, bar[0]);
            Assert.Equal(Number(expected.Collected), bar[1]);
            var share = double.Parse(bar[2], CultureInfo.InvariantCulture) / double.Parse(bar[3], CultureInfo.InvariantCulture);
            Assert.InRange(share, (double)expected.Collected / most - 0.02, (double)expected.Collected / most + 0.02);
        }

        // The timeline: one row per event of the log.
        Assert.Equal(log.Select(TimelineRow), await RowsAsync(page, "#timeline-table"));

        // The slider, by keyboard: Home goes to version 0, each arrow one version on.
        var slider = page.GetByLabel("Version (slider)");
        await slider.FocusAsync();
        await slider.PressAsync("Home");
        await WaitUntilShownAsync(page, inventoryId, 0);
        for (var i = 0; i < 4; i++)
            await slider.PressAsync("ArrowRight");
        await WaitUntilShownAsync(page, inventoryId, 4);
        await AssertStateShownAsync(page, log, 4);
        await Expect(page).ToHaveURLAsync(new Regex($"inventory={inventoryId}&version=4$"));
        await SaveScreenshotIfAskedAsync(page);

        // Choosing an event in the timeline travels to its version.
        await page.Locator("#timeline-table tbody tr[data-version='2'] td").Nth(3).ClickAsync();
        await WaitUntilShownAsync(page, inventoryId, 2);
        await Expect(slider).ToHaveValueAsync("2");
        await AssertStateShownAsync(page, log, 2);
        await Expect(page.Locator("#timeline-table tbody tr[aria-current='true']")).ToHaveAttributeAsync("data-version", "2");

        // Back steps through what was looked at.
        await page.GoBackAsync();
        await WaitUntilShownAsync(page, inventoryId, 4);
        await AssertStateShownAsync(page, log, 4);

        // The link names the inventory and version: opened afresh, it shows the same.
        var link = await page.GetByLabel("Link to this view (without the token)").InputValueAsync();
        var reopened = await context.NewPageAsync();
        await reopened.GotoAsync(link);
        await WaitUntilShownAsync(reopened, inventoryId, 4);
        await AssertStateShownAsync(reopened, log, 4);
        await Expect(reopened.GetByLabel("Version", new() { Exact = true })).ToHaveValueAsync("4");
    }

    [BrowserFact]
    public async Task The_page_shows_the_dwell_time_view_and_steps_through_a_replay_page_as_the_API_answers_them()
    {
        var inventoryId = await CreateSampleInventoryAsync();
        await stack.Http.WaitForViewAsync(inventoryId, SampleEvents.Length);
        var dwell = await WaitForDwellViewAsync(inventoryId, SampleEvents.Length);
        var replay = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/replay?fromVersion=1&toVersion=20");
        var log = await stack.Http.ReadLogAsync(inventoryId);
        await using var context = await SignedInContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 900 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync($"{ExplorerUrl}?inventory={inventoryId}&version=5");
        await WaitUntilShownAsync(page, inventoryId, 5);

        // One row per item of the dwell-time view, in its order: removed units and units held as the API counts them.
        Assert.Equal(
            dwell.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, Number(i.GetProperty("removed").GetInt64()), Number(i.GetProperty("held").GetInt64()))),
            (await RowsAsync(page, "#dwell-table")).Select(row => (row[0], row[1], row[5])));
        await Expect(page.Locator("#dwell-summary")).ToContainTextAsync($"{dwell.GetProperty("all").GetProperty("removed").GetInt64()} units removed");

        // The replay starts at the version shown; each step shows its event and the state after it, as the replay answers.
        var steps = replay.Body.GetProperty("events").EnumerateArray().ToList();
        await AssertReplayStepAsync(page, steps[4], log[4]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Next step" }).ClickAsync();
        await AssertReplayStepAsync(page, steps[5], log[5]);
        for (var i = 0; i < 6; i++)
            await page.GetByRole(AriaRole.Button, new() { Name = "Previous step" }).ClickAsync();
        await Expect(page.Locator("#replay-step")).ToHaveTextAsync("The empty inventory, before its first event.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Previous step" })).ToBeDisabledAsync();
        await page.GotoAsync($"{ExplorerUrl}?inventory={inventoryId}");
        await WaitUntilShownAsync(page, inventoryId, log.Count);
        await AssertReplayStepAsync(page, steps[^1], log[^1]);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Next step" })).ToBeDisabledAsync();
    }

    private async Task<System.Text.Json.JsonElement> WaitForDwellViewAsync(string inventoryId, long version) =>
        (await stack.Http.WaitForDwellTimeAsync(inventoryId, version)).Body;

    private static async Task AssertReplayStepAsync(IPage page, System.Text.Json.JsonElement step, RecordedEvent recorded)
    {
        var (type, item, quantity) = EventResponseOf(recorded);
        await Expect(page.Locator("#replay-position")).ToContainTextAsync($"Step {recorded.Version}");
        await Expect(page.Locator("#replay-step")).ToContainTextAsync($"v{recorded.Version} · ");
        await Expect(page.Locator("#replay-step")).ToContainTextAsync($"{type} {quantity} × {item} → {step.GetProperty("count").GetInt32()} held");
        Assert.Equal(
            step.GetProperty("items").EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new[] { p.Name, Number(p.Value.GetInt32()) }),
            await RowsAsync(page, "#replay-table"));
    }

    [BrowserFact]
    public async Task A_transfer_leg_in_the_timeline_names_the_other_inventory_and_its_link_opens_it()
    {
        var from = await CreateSampleInventoryAsync(count: 1);
        var to = LocalStackFixture.NewInventoryId("gifted");
        var started = await stack.Http.ExchangeAsync(ApiRequests.Transfer(from, to, [("sword", 1)], "explorer-gift"));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        await stack.Http.WaitForViewAsync(to, 1);
        await stack.Http.WaitForViewAsync(from, 2);
        await using var context = await SignedInContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{ExplorerUrl}?inventory={from}");
        await WaitUntilShownAsync(page, from, 2);

        await Expect(page.Locator("#timeline-table tbody tr[data-version='2'] td").Nth(2)).ToHaveTextAsync($"ItemTransferredOut to {to}");
        await page.Locator("#timeline-table a.counterparty").ClickAsync();
        await WaitUntilShownAsync(page, to, 1);
        await Expect(page.Locator("#timeline-table tbody tr[data-version='1'] td").Nth(2)).ToHaveTextAsync($"ItemTransferredIn from {from}");
        await Expect(page).ToHaveURLAsync(new Regex($"inventory={to}$"));
    }

    [BrowserFact]
    public async Task An_unknown_inventory_and_an_invalid_id_are_shown_as_the_APIs_messages()
    {
        await using var context = await SignedInContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(ExplorerUrl.ToString());
        var unknown = LocalStackFixture.NewInventoryId("nobody");

        await page.GetByLabel("Inventory id").FillAsync(unknown);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();

        var error = page.GetByRole(AriaRole.Alert);
        await Expect(error).ToContainTextAsync($"Unknown inventory '{unknown}'.");
        await Expect(error).ToContainTextAsync($"Inventory '{unknown}' has no events.");
        await Expect(error).ToContainTextAsync("HTTP 404 · inventory-not-found");
        await Expect(page.Locator("#explorer")).ToBeHiddenAsync();

        await page.GetByLabel("Inventory id").FillAsync("not valid!");
        await page.GetByLabel("Inventory id").PressAsync("Enter");
        await Expect(error).ToContainTextAsync("The request is not valid.");
        await Expect(error).ToContainTextAsync("inventoryId:");
        await Expect(error).ToContainTextAsync("HTTP 400 · validation-failed");
    }

    [BrowserFact]
    public async Task Show_reads_afresh_and_a_version_that_is_not_a_number_is_explained()
    {
        var inventoryId = await CreateSampleInventoryAsync(count: 2);
        await stack.Http.WaitForViewAsync(inventoryId, 2);
        await using var context = await SignedInContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{ExplorerUrl}?inventory={inventoryId}");
        await WaitUntilShownAsync(page, inventoryId, 2);

        Assert.Equal(HttpStatusCode.Created, (await stack.Http.AppendEventsAsync(inventoryId, SampleEvents[2..4])).Status);
        await stack.Http.WaitForViewAsync(inventoryId, 4);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await WaitUntilShownAsync(page, inventoryId, 4);
        Assert.Equal(4, (await RowsAsync(page, "#timeline-table")).Length);

        await page.GetByLabel("Version", new() { Exact = true }).FillAsync("1.5");
        await page.GetByLabel("Version", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.Locator("#travel-error")).ToContainTextAsync("A version is a whole number from 0 to 4; '1.5' is not.");

        await page.GetByLabel("Version", new() { Exact = true }).FillAsync("9");
        await page.GetByLabel("Version", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.Locator("#travel-error")).ToContainTextAsync("HTTP 404 · version-not-found");
    }

    [BrowserFact]
    public async Task A_view_behind_the_log_says_by_how_many_events_and_time_travel_compares_with_the_head()
    {
        var inventoryId = await CreateSampleInventoryAsync(count: 3);
        await stack.Http.WaitForViewAsync(inventoryId, 3);
        // The view's real answer at version 3, kept to be served after the log has moved on: a projection running late.
        using var lateView = await stack.Http.GetAsync($"inventories/{inventoryId}");
        var lateBody = await lateView.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, (await stack.Http.AppendEventsAsync(inventoryId, SampleEvents[3..5])).Status);
        var log = await stack.Http.ReadLogAsync(inventoryId);
        Assert.Equal(5, log.Count);

        await using var context = await SignedInContextAsync();
        var page = await context.NewPageAsync();
        await page.RouteAsync(url => new Uri(url).AbsolutePath == $"/api/inventories/{inventoryId}",
            route => route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = lateBody }));
        await page.GotoAsync($"{ExplorerUrl}?inventory={inventoryId}");
        await WaitUntilShownAsync(page, inventoryId, 5);

        await Expect(page.Locator("#lag")).ToContainTextAsync("The view is 2 events behind the log's head (version 5)");
        Assert.Equal(FoldPrefix(log, 3).Items.Select(kv => new[] { kv.Key, Number(kv.Value) }), await RowsAsync(page, "#now-table"));
        await Expect(page.GetByLabel("Version (slider)")).ToHaveAttributeAsync("max", "5");

        // "Now" in time travel is the head (version 5), not the late view; the version box travels on Enter.
        await page.GetByLabel("Version", new() { Exact = true }).FillAsync("3");
        await page.GetByLabel("Version", new() { Exact = true }).PressAsync("Enter");
        await WaitUntilShownAsync(page, inventoryId, 3);
        await AssertStateShownAsync(page, log, 3);
    }

    [BrowserFact]
    public async Task The_token_the_page_was_opened_with_goes_with_every_API_call_but_never_into_the_address_bar_or_the_shared_link()
    {
        var inventoryId = await CreateSampleInventoryAsync(count: 2);
        await stack.Http.WaitForViewAsync(inventoryId, 2);
        var token = await SupportTokenAsync();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var apiCalls = new List<IRequest>();
        page.Request += (_, request) =>
        {
            if (new Uri(request.Url).AbsolutePath.StartsWith("/api/inventories/", StringComparison.Ordinal))
                apiCalls.Add(request);
        };

        var response = await page.GotoAsync($"{ExplorerUrl}?inventory={inventoryId}&version=1#access_token={token}");
        await WaitUntilShownAsync(page, inventoryId, 1);

        Assert.Equal("no-referrer", await response!.HeaderValueAsync("referrer-policy"));
        Assert.NotEmpty(apiCalls);
        Assert.All(apiCalls, request => Assert.Equal("Bearer " + token, request.Headers.GetValueOrDefault("authorization")));
        Assert.DoesNotContain("access_token", page.Url, StringComparison.Ordinal);
        var link = await page.GetByLabel("Link to this view (without the token)").InputValueAsync();
        Assert.EndsWith($"?inventory={inventoryId}&version=1", link, StringComparison.Ordinal);

        // Travelling keeps the token (this tab's sessionStorage) without putting it back into the URL.
        await page.Locator("#timeline-table tbody tr[data-version='2'] button").ClickAsync();
        await WaitUntilShownAsync(page, inventoryId, 2);
        Assert.DoesNotContain(token, page.Url, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task Without_a_token_the_page_loads_and_asks_to_sign_in()
    {
        var inventoryId = await CreateSampleInventoryAsync(count: 1);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync($"{ExplorerUrl}?inventory={inventoryId}");

        Assert.Equal(200, response!.Status);
        await Expect(page.Locator("#error")).ToContainTextAsync("Sign in");
    }

    [BrowserFact]
    public async Task The_page_runs_its_own_script_and_no_other()
    {
        await using var context = await SignedInContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(ExplorerUrl.ToString());

        Assert.Equal("text/html; charset=utf-8", await response!.HeaderValueAsync("content-type"));
        Assert.Contains("default-src 'none'", await response.HeaderValueAsync("content-security-policy"), StringComparison.Ordinal);
        // Its own inline script ran (it wired the form); a script injected into it is refused.
        await Expect(page.GetByRole(AriaRole.Status)).ToBeEmptyAsync();
        await page.GetByLabel("Inventory id").FillAsync("not valid!");
        await page.GetByLabel("Inventory id").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("validation-failed");
        await Assert.ThrowsAnyAsync<PlaywrightException>(() => page.AddScriptTagAsync(new() { Content = "window.injected = true;" }));
        Assert.False(await page.EvaluateAsync<bool>("() => window.injected === true"));
    }

    [BrowserFact]
    public async Task The_explorer_links_to_the_API_reference_which_renders_with_its_styles_and_no_script()
    {
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var refused = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") refused.Add(message.Text); };
        await page.GotoAsync(ExplorerUrl.ToString());

        await page.GetByRole(AriaRole.Link, new() { Name = "API reference" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/api/reference$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("InventoryFunctions API");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "POST /api/inventories/{inventoryId}/items" })).ToBeVisibleAsync();
        // The CSP let its one style block apply (the page's width is capped by it) and refused nothing.
        Assert.Equal("1120px", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).maxWidth"));
        Assert.Empty(refused);
    }

    [BrowserFact]
    public async Task At_360_pixels_wide_nothing_overflows_the_page()
    {
        var inventoryId = await CreateSampleInventoryAsync();
        await stack.Http.WaitForViewAsync(inventoryId, SampleEvents.Length);
        await using var context = await SignedInContextAsync(new() { ViewportSize = new() { Width = 360, Height = 740 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync($"{ExplorerUrl}?inventory={inventoryId}&version=4");
        await WaitUntilShownAsync(page, inventoryId, 4);

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the page scrolls sideways at 360 px");
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------------

    private async Task<string> CreateSampleInventoryAsync(int count = 0)
    {
        var inventoryId = LocalStackFixture.NewInventoryId("player");
        var reply = await stack.Http.AppendEventsAsync(inventoryId, count == 0 ? SampleEvents : SampleEvents[..count]);
        Assert.True(reply.Status == HttpStatusCode.Created, $"POST events: {reply}");
        return inventoryId;
    }

    /// <summary>Waits until the page has rendered <paramref name="inventoryId"/> at <paramref name="version"/>, every section.</summary>
    private static async Task WaitUntilShownAsync(IPage page, string inventoryId, long version)
    {
        var explorer = page.Locator("#explorer");
        await Expect(explorer).ToHaveAttributeAsync("data-shown", $"{inventoryId}@{version}");
        await Expect(explorer).ToHaveAttributeAsync("aria-busy", "false");
    }

    /// <summary>The time-travel table: the fold of the log at <paramref name="version"/> beside the head, changed rows highlighted.</summary>
    private static async Task AssertStateShownAsync(IPage page, List<RecordedEvent> log, long version)
    {
        var then = FoldPrefix(log, version).Items;
        var now = FoldPrefix(log, log.Count).Items;
        var items = then.Keys.Union(now.Keys).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            items.Select(item => new[] { item, Number(then.GetValueOrDefault(item)), Number(now.GetValueOrDefault(item)) }),
            (await RowsAsync(page, "#state-table")).Select(row => row[..3]));
        Assert.Equal(
            items.Where(item => then.GetValueOrDefault(item) != now.GetValueOrDefault(item)),
            await page.EvalOnSelectorAsync<string[]>("#state-table", "t => [...t.tBodies[0].rows].filter(r => r.classList.contains('changed')).map(r => r.dataset.item)"));
        await Expect(page.Locator("#state-at-heading")).ToHaveTextAsync($"At version {version}");
    }

    private static Task<string[][]> RowsAsync(IPage page, string table) =>
        page.EvalOnSelectorAsync<string[][]>(table, "t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim()))");

    // Support reads what the test's server wrote: the sample inventories are written with the fixture's client.
    private static string[] TimelineRow(RecordedEvent e)
    {
        var api = EventResponseOf(e);
        return [Number(e.Version), e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture), api.Type, api.Item, Number(api.Quantity),
            $"server {LocalApp.DefaultSubject}"];
    }

    private static (string Type, string Item, int Quantity) EventResponseOf(RecordedEvent e) => e.Event switch
    {
        ItemAdded added => (EventTypes.ItemAdded, added.ItemId, added.Quantity),
        ItemRemoved removed => (EventTypes.ItemRemoved, removed.ItemId, removed.Quantity),
        _ => throw new ArgumentException($"Unknown event {e.Event.GetType().Name}", nameof(e)),
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task SaveScreenshotIfAskedAsync(IPage page)
    {
        var path = Environment.GetEnvironmentVariable("EXPLORER_SCREENSHOT");
        if (!string.IsNullOrEmpty(path))
            await page.ScreenshotAsync(new() { Path = path, FullPage = true });
    }
}
