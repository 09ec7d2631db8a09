using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.LocalHost;
using InventoryFunctions.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Every way a bearer token can be wrong, against the app's real middleware and the local host's development issuer's
/// real keys (fetched by the app over HTTP from its discovery document): each is 401 <c>unauthenticated</c> with
/// <c>WWW-Authenticate</c>, and the command it carried wrote nothing.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class AuthenticationTests(LocalStackFixture stack)
{
    private LocalApp App => stack.Stack.App;

    private string Issuer => App.IssuerBase.ToString().TrimEnd('/');

    public static TheoryData<string> Rejections() => new()
    {
        "missing", "other scheme", "empty", "malformed", "three garbage segments", "signed by another key with the issuer's kid",
        "signed by another key with an unknown kid", "edited after signing", "alg none", "HS256 with the public key as secret",
        "another issuer", "another audience", "expired", "not yet valid",
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_command_with_a_bad_token_is_401_unauthenticated_and_writes_nothing(string rejection)
    {
        var inventoryId = LocalStackFixture.NewInventoryId("player");
        var authorization = await AuthorizationAsync(rejection, inventoryId);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"inventories/{inventoryId}/items")
        {
            Content = new StringContent("""{"itemId":"sword","quantity":1}""", Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var anonymous = ApiClient.CreateHttpClient(App.ApiBase);

        using var response = await anonymous.SendAsync(request);

        var reply = await ApiClient.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{rejection}: {reply}");
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.EndsWith("/unauthenticated", reply.Body.GetProperty("type").GetString(), StringComparison.Ordinal);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal(rejection is "missing" or "other scheme" ? "Bearer" : "Bearer error=\"invalid_token\"", challenge.ToString());
        var log = await stack.Http.GetJsonAsync($"inventories/{inventoryId}/events");
        Assert.Equal(HttpStatusCode.NotFound, log.Status);
    }

    [Fact]
    public async Task The_same_command_with_a_good_token_from_the_development_issuer_is_accepted()
    {
        var inventoryId = LocalStackFixture.NewInventoryId("player");
        using var player = await App.CreateHttpClientAsync(inventoryId);

        var reply = await player.AddItemAsync(inventoryId, "sword");

        Assert.Equal(HttpStatusCode.Created, reply.Status);
    }

    [Fact]
    public async Task Health_and_the_explorer_page_need_no_token()
    {
        using var anonymous = ApiClient.CreateHttpClient(App.ApiBase);

        using var explorer = await anonymous.GetAsync("explorer");
        using var health = await anonymous.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, explorer.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, health.StatusCode);
    }

    [Fact]
    public async Task An_issuer_that_cannot_be_reached_is_503_with_Retry_After_not_401_and_nothing_is_written()
    {
        // Port 9 (discard): nothing answers the discovery request, so no token can be judged either way.
        await using var app = await stack.StartAppAsync(new Dictionary<string, string?>
        {
            [AppSettings.AuthIssuer] = "http://127.0.0.1:9/dev-issuer",
        });
        using var http = app.CreateHttpClient();
        var inventoryId = LocalStackFixture.NewInventoryId();

        using var response = await http.PostAsync($"inventories/{inventoryId}/items",
            new StringContent("""{"itemId":"sword"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.EndsWith("/service-unavailable", (await ApiClient.ReadAsync(response)).Body.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Http.GetJsonAsync($"inventories/{inventoryId}/events")).Status);
    }

    private async Task<string?> AuthorizationAsync(string rejection, string inventoryId)
    {
        var good = await App.IssueTokenAsync(inventoryId);
        return rejection switch
        {
            "missing" => null,
            "other scheme" => "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("player:secret")),
            "empty" => "Bearer ",
            "malformed" => "Bearer not-a-token",
            "three garbage segments" => "Bearer abc.def.ghi",
            "signed by another key with the issuer's kid" => "Bearer " + SignWithNewKey(inventoryId, App.Issuer.KeyId),
            "signed by another key with an unknown kid" => "Bearer " + SignWithNewKey(inventoryId, "unknown-kid"),
            "edited after signing" => "Bearer " + EditPayload(good, payload => payload["roles"] = new JsonArray("Inventory.Server")),
            "alg none" => "Bearer " + Unsigned(inventoryId),
            "HS256 with the public key as secret" => "Bearer " + SignWithPublicKeyAsSecret(inventoryId),
            // Signed by the issuer's real key, but issued under another name (localhost instead of 127.0.0.1).
            "another issuer" => "Bearer " + await IssueFromAsync(new UriBuilder(App.IssuerBase) { Host = "localhost" }.Uri, inventoryId),
            "another audience" => "Bearer " + await App.IssueTokenAsync(inventoryId, audience: "api://someone-else"),
            // Past the 60 s clock skew either way.
            "expired" => "Bearer " + await App.IssueTokenAsync(inventoryId, lifetimeSeconds: -120),
            "not yet valid" => "Bearer " + await App.IssueTokenAsync(inventoryId, notBeforeSeconds: 600),
            _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection, null),
        };
    }

    private Dictionary<string, object> Claims(string subject) => new()
    {
        ["sub"] = subject,
        ["iss"] = Issuer,
        ["aud"] = DevIssuer.DefaultAudience,
        ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["nbf"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
    };

    private string SignWithNewKey(string subject, string keyId)
    {
        using var rsa = RSA.Create(2048);
        return new JsonWebTokenHandler().CreateToken(JsonSerializer.Serialize(Claims(subject)),
            new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256));
    }

    private string Unsigned(string subject) =>
        Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(Claims(subject))) + ".";

    private string SignWithPublicKeyAsSecret(string subject)
    {
        // The classic confusion attack: HMAC keyed with the public key's bytes, which anyone can fetch from the JWKS.
        using var http = new HttpClient();
        var jwks = JsonNode.Parse(http.GetStringAsync(new Uri(App.IssuerBase, ".well-known/jwks.json")).GetAwaiter().GetResult())!;
        var modulus = Base64UrlEncoder.DecodeBytes(jwks["keys"]![0]!["n"]!.GetValue<string>());
        return new JsonWebTokenHandler().CreateToken(JsonSerializer.Serialize(Claims(subject)),
            new SigningCredentials(new SymmetricSecurityKey(modulus) { KeyId = App.Issuer.KeyId }, SecurityAlgorithms.HmacSha256));
    }

    private static string EditPayload(string token, Action<JsonObject> edit)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        edit(payload);
        return parts[0] + "." + Base64UrlEncoder.Encode(payload.ToJsonString()) + "." + parts[2];
    }

    private static async Task<string> IssueFromAsync(Uri issuerBase, string subject)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(issuerBase, "token"),
            new StringContent(JsonSerializer.Serialize(new { sub = subject }), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }
}
