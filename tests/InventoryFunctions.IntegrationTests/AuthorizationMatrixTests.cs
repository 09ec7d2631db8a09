using System.Net;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Http.Auth;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Who gets what, over HTTP through the real middleware, for every HTTP route the app binds: anonymous, the inventory's
/// owner (a player token whose <c>sub</c> is the inventory id), another player, a server, support and an admin. The
/// table is written out, not derived from the policies, so a policy that changes must change it too.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class AuthorizationMatrixTests(LocalStackFixture stack)
{
    private const string Ok = "2xx";

    // Columns: anonymous, owner, other player, server, support, admin. "2xx" = served (or the listed status, for a
    // route whose answer here is not a success: a rebuild job that does not exist).
    private static readonly (string Function, string Method, string Path, string? Body, string[] Expected)[] Routes =
    [
        ("GetInventory", "GET", "inventories/{id}", null, ["401", Ok, "403", Ok, Ok, Ok]),
        ("GetMostCollected", "GET", "inventories/{id}/most-collected", null, ["401", Ok, "403", Ok, Ok, Ok]),
        ("GetDwellTime", "GET", "inventories/{id}/dwell-time", null, ["401", Ok, "403", Ok, Ok, Ok]),
        ("GetEvents", "GET", "inventories/{id}/events", null, ["401", Ok, "403", Ok, Ok, Ok]),
        ("GetState", "GET", "inventories/{id}/state?atVersion=1", null, ["401", Ok, "403", Ok, Ok, Ok]),
        ("GetReplay", "GET", "inventories/{id}/replay?fromVersion=1", null, ["401", Ok, "403", Ok, Ok, Ok]),
        ("AddItem", "POST", "inventories/{id}/items", """{"itemId":"matrix","quantity":1}""", ["401", Ok, "403", Ok, "403", "403"]),
        ("RemoveItem", "DELETE", "inventories/{id}/items/seed?quantity=1", null, ["401", Ok, "403", Ok, "403", "403"]),
        ("AppendEvents", "POST", "inventories/{id}/events", """{"events":[{"type":"ItemAdded","itemId":"matrix","quantity":1}]}""", ["401", Ok, "403", Ok, "403", "403"]),
        // Transfers: only servers start one (player gifts are off unless AllowPlayerTransfers); reading one is a read of the sender.
        ("StartTransfer", "POST", "inventories/{id}/transfers", """{"to":"matrix-receiver","items":[{"itemId":"seed","quantity":1}]}""", ["401", "403", "403", Ok, "403", "403"]),
        ("GetTransfer", "GET", "inventories/{id}/transfers/0123456789abcdef0123456789abcdef", null, ["401", "404", "403", "404", "404", "404"]),
        ("GetGlobalMostCollected", "GET", "most-collected", null, ["401", "403", "403", Ok, Ok, Ok]),
        ("RebuildProjections", "POST", "projections/rebuild", """{"inventoryId":"{id}"}""", ["401", "403", "403", "403", "403", Ok]),
        ("GetRebuildJob", "GET", "projections/rebuild/0123456789abcdef0123456789abcdef", null, ["401", "403", "403", "403", "403", "404"]),
        ("ProjectionStatus", "GET", "projections/status", null, ["401", "403", "403", "403", "403", Ok]),
        ("GetPoison", "GET", "projections/poison", null, ["401", "403", "403", "403", "403", Ok]),
        ("ReplayPoison", "POST", "projections/poison/replay", null, ["401", "403", "403", "403", "403", Ok]),
        ("Explorer", "GET", "explorer", null, [Ok, Ok, Ok, Ok, Ok, Ok]),
        ("Health", "GET", "health", null, [Ok, Ok, Ok, Ok, Ok, Ok]),
        ("OpenApiDocument", "GET", "openapi.json", null, [Ok, Ok, Ok, Ok, Ok, Ok]),
        ("ApiReference", "GET", "reference", null, [Ok, Ok, Ok, Ok, Ok, Ok]),
    ];

    [Fact]
    public void The_matrix_has_a_row_for_every_HTTP_route_in_functions_metadata()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalApp.ScriptRoot, "functions.metadata")));
        var http = metadata.RootElement.EnumerateArray()
            .Where(f => f.GetProperty("bindings").EnumerateArray().Any(b => b.GetProperty("type").GetString() == "httpTrigger"))
            .Select(f => f.GetProperty("name").GetString()!)
            .Where(name => name != "UnknownRoute"); // the catch-all answers 404/405 problems to everyone

        Assert.Equal(http.Order(StringComparer.Ordinal), Routes.Select(r => r.Function).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_role_gets_what_its_policy_allows_on_every_route_and_nothing_else()
    {
        var app = stack.Stack.App;
        var owner = LocalStackFixture.NewInventoryId("player");
        var other = LocalStackFixture.NewInventoryId("player");
        var seeded = await stack.Http.AddItemAsync(owner, "seed", 100);
        Assert.Equal(HttpStatusCode.Created, seeded.Status);
        await stack.Http.WaitForViewAsync(owner, 1);
        await WaitForAsync(stack.Http, $"inventories/{owner}/dwell-time");

        HttpClient[] callers =
        [
            ApiClient.CreateHttpClient(app.ApiBase),
            await app.CreateHttpClientAsync(owner),
            await app.CreateHttpClientAsync(other),
            await app.CreateHttpClientAsync("matrix-server", AppRoles.Server),
            await app.CreateHttpClientAsync("matrix-support", AppRoles.Support),
            await app.CreateHttpClientAsync("matrix-admin", AppRoles.Admin),
        ];
        string[] names = ["anonymous", "owner", "other player", "server", "support", "admin"];
        var mismatches = new List<string>();
        try
        {
            foreach (var (function, method, path, body, expected) in Routes)
            {
                for (var i = 0; i < callers.Length; i++)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", owner, StringComparison.Ordinal));
                    if (body is not null)
                        request.Content = new StringContent(body.Replace("{id}", owner, StringComparison.Ordinal), Encoding.UTF8, "application/json");
                    if (function == "StartTransfer")
                        request.Headers.Add("Idempotency-Key", $"matrix-{i}");
                    using var response = await callers[i].SendAsync(request);
                    var status = (int)response.StatusCode;
                    var matches = expected[i] == Ok ? status is >= 200 and < 300 : status.ToString(System.Globalization.CultureInfo.InvariantCulture) == expected[i];
                    if (!matches)
                        mismatches.Add($"{function} as {names[i]}: expected {expected[i]}, got {status} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        finally
        {
            foreach (var caller in callers)
                caller.Dispose();
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task A_refusal_names_the_forbidden_problem_and_a_player_writes_nothing_to_another_players_inventory()
    {
        var victim = LocalStackFixture.NewInventoryId("player");
        using var intruder = await stack.Stack.App.CreateHttpClientAsync(LocalStackFixture.NewInventoryId("player"));

        var write = await intruder.AddItemAsync(victim, "stolen");

        Assert.Equal(HttpStatusCode.Forbidden, write.Status);
        Assert.Equal("application/problem+json", write.MediaType);
        Assert.EndsWith("/forbidden", write.Body.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Http.GetJsonAsync($"inventories/{victim}/events")).Status);
    }

    [Fact]
    public async Task A_player_does_not_own_an_inventory_whose_id_only_starts_with_its_own()
    {
        var player = LocalStackFixture.NewInventoryId("p")[..20];
        using var http = await stack.Stack.App.CreateHttpClientAsync(player);

        foreach (var sibling in new[] { player + "-alt", player + "_alt" })
            Assert.Equal(HttpStatusCode.Forbidden, (await http.AddItemAsync(sibling, "sword")).Status);
        Assert.Equal(HttpStatusCode.Created, (await http.AddItemAsync(player, "sword")).Status);
    }

    private static Task<JsonReply> WaitForAsync(HttpClient http, string path) =>
        Eventually.UntilAsync($"{path} to answer 200", () => http.GetJsonAsync(path), reply => reply.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
}
