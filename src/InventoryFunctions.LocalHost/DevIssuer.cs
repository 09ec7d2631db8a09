using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// A development OpenID Connect issuer at <c>/dev-issuer</c>, so that the app checks tokens locally exactly as it checks
/// Microsoft Entra ID's: the app fetches <c>/.well-known/openid-configuration</c> and the JWKS over HTTP and validates
/// RS256 signatures against them. <c>POST /dev-issuer/token</c> mints a token for any subject and roles (that is what
/// makes it a development issuer: the local host is never deployed). The key pair lives in memory, new per host start.
/// </summary>
public sealed class DevIssuer : IDisposable
{
    public const string PathBase = "/dev-issuer";

    /// <summary>The audience tokens carry unless the request names another: the app's <c>AuthAudience</c> locally.</summary>
    public const string DefaultAudience = "api://inventory-functions-local";

    public const int MaxLifetimeSeconds = 24 * 60 * 60;

    private static readonly string[] ResponseTypes = ["token"];
    private static readonly string[] SubjectTypes = ["public"];
    private static readonly string[] SigningAlgorithms = [SecurityAlgorithms.RsaSha256];

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _signingKey;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private long _jwksRequests;
    private long _discoveryRequests;

    public DevIssuer()
    {
        KeyId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12));
        _signingKey = new RsaSecurityKey(_rsa) { KeyId = KeyId };
    }

    /// <summary>The id of the signing key (the token header's <c>kid</c>).</summary>
    public string KeyId { get; }

    /// <summary>How many times the JWKS was fetched since start (the app should fetch it once per run).</summary>
    public long JwksRequests => Interlocked.Read(ref _jwksRequests);

    /// <summary>How many times the discovery document was fetched since start.</summary>
    public long DiscoveryRequests => Interlocked.Read(ref _discoveryRequests);

    /// <summary>The issuer as a client reaches it: <c>{scheme}://{host}/dev-issuer</c> (the app's <c>AuthIssuer</c> must be the same).</summary>
    public static string IssuerOf(HttpRequest request) => $"{request.Scheme}://{request.Host}{PathBase}";

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(PathBase + "/.well-known/openid-configuration", (HttpContext context) =>
        {
            Interlocked.Increment(ref _discoveryRequests);
            var issuer = IssuerOf(context.Request);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["jwks_uri"] = issuer + "/.well-known/jwks.json",
                ["token_endpoint"] = issuer + "/token",
                ["response_types_supported"] = ResponseTypes,
                ["subject_types_supported"] = SubjectTypes,
                ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
            });
        });
        endpoints.MapGet(PathBase + "/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref _jwksRequests);
            var key = _rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["kty"] = "RSA", ["use"] = "sig", ["alg"] = SecurityAlgorithms.RsaSha256, ["kid"] = KeyId,
                        ["n"] = Base64UrlEncoder.Encode(key.Modulus), ["e"] = Base64UrlEncoder.Encode(key.Exponent),
                    },
                },
            });
        });
        endpoints.MapPost(PathBase + "/token", IssueAsync);
    }

    /// <summary>
    /// <c>{"sub":"player-1","roles":["Inventory.Server"],"lifetimeSeconds":3600}</c> (also <c>aud</c>, <c>azp</c>,
    /// <c>notBeforeSeconds</c>) → <c>{"access_token","token_type":"Bearer","expires_in"}</c>. A negative lifetime gives a
    /// token that has already expired, a positive <c>notBeforeSeconds</c> one that is not valid yet (for tests).
    /// </summary>
    private async Task IssueAsync(HttpContext context)
    {
        TokenRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<TokenRequest>(context.Request.Body, JsonSerializerOptions.Web, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "The token request is not valid", $"The body must be JSON: {ex.Message}");
            return;
        }
        var lifetime = request?.LifetimeSeconds ?? 3600;
        if (request is null || string.IsNullOrWhiteSpace(request.Sub) || request.Sub.Length > 256 || Math.Abs(lifetime) > MaxLifetimeSeconds || lifetime == 0
            || request.Roles?.Any(string.IsNullOrWhiteSpace) == true)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "The token request is not valid",
                $"Send {{\"sub\":\"player-1\",\"roles\":[\"Inventory.Server\"],\"lifetimeSeconds\":3600}}: sub 1-256 characters, lifetimeSeconds non-zero, at most {MaxLifetimeSeconds} either way.");
            return;
        }

        var now = DateTime.UtcNow;
        var expires = now.AddSeconds(lifetime);
        var notBefore = lifetime < 0 ? expires.AddMinutes(-10) : now.AddSeconds(request.NotBeforeSeconds ?? 0);
        var claims = new Dictionary<string, object> { ["sub"] = request.Sub, ["oid"] = request.Sub };
        if (request.Roles is { Count: > 0 } roles)
            claims["roles"] = roles.ToArray();
        if (request.Azp is { Length: > 0 } azp)
            claims["azp"] = azp;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerOf(context.Request),
            Audience = request.Aud ?? DefaultAudience,
            Claims = claims,
            IssuedAt = notBefore < now ? notBefore : now,
            NotBefore = notBefore,
            Expires = expires > notBefore ? expires : notBefore.AddSeconds(1),
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
        });
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = lifetime,
        }, context.RequestAborted);
    }

    public void Dispose() => _rsa.Dispose();

    private sealed record TokenRequest(string? Sub, IReadOnlyList<string>? Roles, int? LifetimeSeconds, string? Aud, string? Azp, int? NotBeforeSeconds);
}
