using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace InventoryFunctions.Http.Auth;

/// <summary>What became of a request's <c>Authorization</c> header.</summary>
public abstract record TokenCheck
{
    private TokenCheck()
    {
    }

    public sealed record Valid(Principal Principal) : TokenCheck;

    /// <summary>No bearer token at all (no header, or another scheme): 401 without an error code (RFC 6750 §3.1).</summary>
    public sealed record Missing : TokenCheck;

    /// <summary>A bearer token that does not pass: 401 <c>invalid_token</c>; <see cref="Reason"/> is logged, not sent.</summary>
    public sealed record Invalid(string Reason) : TokenCheck;

    /// <summary>The issuer's discovery document or keys could not be fetched: 503, the token is neither good nor bad yet.</summary>
    public sealed record IssuerUnavailable(string Reason) : TokenCheck;
}

/// <summary>
/// Validates bearer tokens (JWT) from the configured issuer for the configured audience: one code path for Microsoft
/// Entra ID and the local host's development issuer. Signing keys come from the issuer's discovery document and JWKS
/// through one <see cref="ConfigurationManager{T}"/>: fetched on first use, cached (refreshed every 12 h), and asked
/// again when a token names a key id it does not know (at most once per 5 minutes, so unknown kids cannot make it
/// fetch per request).
/// </summary>
public sealed class BearerTokenValidator
{
    /// <summary>Asymmetric algorithms only: a token signed with HS256 (using the public key as a secret) or <c>none</c> is refused.</summary>
    public static readonly IReadOnlyList<string> AllowedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private const string BearerPrefix = "Bearer ";

    private readonly AuthOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ILogger<BearerTokenValidator> _logger;

    public BearerTokenValidator(IOptions<AuthOptions> options, HttpClient http, ILogger<BearerTokenValidator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        var issuer = new Uri(_options.Issuer);
        // Discovery is fetched over HTTPS, except from a loopback issuer (the local host's): nothing leaves the machine.
        var retriever = new HttpDocumentRetriever(http) { RequireHttps = !issuer.IsLoopback };
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            _options.Issuer.TrimEnd('/') + "/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(), retriever);
    }

    public async Task<TokenCheck> ValidateAsync(string? authorization, CancellationToken cancellationToken)
    {
        authorization = authorization?.Trim();
        if (string.Equals(authorization, BearerPrefix.TrimEnd(), StringComparison.OrdinalIgnoreCase))
            return new TokenCheck.Invalid("the bearer token is empty.");
        if (authorization is null || !authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            return new TokenCheck.Missing();
        var token = authorization[BearerPrefix.Length..].Trim();
        if (token.Length == 0)
            return new TokenCheck.Invalid("the bearer token is empty.");

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _configuration.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            _logger.LogWarning(ex, "The token issuer's configuration could not be read from {Issuer}", _options.Issuer);
            return new TokenCheck.IssuerUnavailable(ex.Message);
        }

        var result = await _handler.ValidateTokenAsync(token, Parameters(configuration));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The issuer may have rotated its keys: ask again (rate-limited by the manager) and validate once more.
            _configuration.RequestRefresh();
            try
            {
                configuration = await _configuration.GetConfigurationAsync(cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                return new TokenCheck.IssuerUnavailable(ex.Message);
            }
            result = await _handler.ValidateTokenAsync(token, Parameters(configuration));
        }
        if (!result.IsValid)
            return new TokenCheck.Invalid(result.Exception?.Message ?? "the token is not valid.");

        var identity = result.ClaimsIdentity;
        var subject = identity.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(subject))
            return new TokenCheck.Invalid("the token has no sub claim.");
        var roles = identity.FindAll("roles").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var appId = identity.FindFirst("azp")?.Value ?? identity.FindFirst("appid")?.Value;
        return new TokenCheck.Valid(new Principal(subject, NonEmpty(identity.FindFirst(_options.PlayerIdClaim)), appId, roles));
    }

    private static string? NonEmpty(Claim? claim) => string.IsNullOrEmpty(claim?.Value) ? null : claim.Value;

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidIssuer = _options.Issuer,
        ValidAudience = _options.Audience,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = AllowedAlgorithms,
        // A token whose kid is not among the keys is refused, not tried against every key: that is what asks for a refresh.
        TryAllIssuerSigningKeys = false,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(_options.ClockSkewSeconds),
    };
}
