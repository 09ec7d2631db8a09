using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Http.Auth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using System.Security.Cryptography;

namespace InventoryFunctions.Benchmarks.Micro;

/// <summary>Shared inputs: a 1,000-event history over 20 items, as the load phases build them.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static RecordedEvent[] History(int length) =>
    [
        .. Enumerable.Range(0, length).Select(k => new RecordedEvent(k + 1, Now.AddSeconds(k), k % 5 == 4
            ? new ItemRemoved(Item(k - 1), 1)
            : new ItemAdded(Item(k), 1 + (k % 3)))),
    ];

    public static string Item(int k) => "item-" + (k % 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

[MemoryDiagnoser]
public class DomainBenchmarks
{
    private readonly ItemAdded _added = new("item-7", 1);
    private readonly ItemRemoved _removed = new("item-7", 1);
    private readonly AddItem _add = new("item-7", 1);
    private InventoryState _state = InventoryState.Empty;
    private AppendEvents _append50 = null!;
    private RecordedEvent[] _history = [];

    [GlobalSetup]
    public void Setup()
    {
        _history = Samples.History(1_000);
        _state = Inventory.Fold(InventoryState.Empty, _history);
        _append50 = new AppendEvents([.. Samples.History(50).Select(e => e.Event)]);
    }

    [Benchmark(Description = "Evolve: ItemAdded (20 items held)")]
    public InventoryState EvolveAdded() => Inventory.Evolve(_state, _added);

    [Benchmark(Description = "Evolve: ItemRemoved (20 items held)")]
    public InventoryState EvolveRemoved() => Inventory.Evolve(_state, _removed);

    [Benchmark(Description = "Decide: AddItem")]
    public Decision DecideAddItem() => Inventory.Decide(_state, _add, Samples.Now);

    [Benchmark(Description = "Decide: AppendEvents of 50")]
    public Decision DecideAppend50() => Inventory.Decide(_state, _append50, Samples.Now);

    [Benchmark(Description = "Fold: 1,000 recorded events (the naive replay's CPU part)")]
    public InventoryState Fold1000() => Inventory.Fold(InventoryState.Empty, _history);
}

[MemoryDiagnoser]
public class EventCodecBenchmarks
{
    // As read from Cosmos DB: with the system properties the codec ignores.
    private const string SystemProperties = "\"_rid\":\"AAAAAAAAAAABAAAAAAAAAA==\",\"_self\":\"dbs/x/colls/y/docs/z/\",\"_etag\":\"\\\"00000000-0000-0000-0000-000000000000\\\"\",\"_attachments\":\"attachments/\",\"_ts\":1777636800";

    private readonly RecordedEvent _recorded = new(1234, Samples.Now, new ItemAdded("sword", 2));
    private byte[] _current = [];
    private byte[] _legacy = [];
    private JsonElement _currentElement;

    [GlobalSetup]
    public void Setup()
    {
        var encoded = Encoding.UTF8.GetString(EventCodec.Encode("inv-1", _recorded));
        _current = Encoding.UTF8.GetBytes(encoded[..^1] + "," + SystemProperties + "}");
        _legacy = Encoding.UTF8.GetBytes(
            "{\"id\":\"3\",\"inventoryId\":\"inv-1\",\"version\":3,\"type\":\"ITEM_ADDED\",\"data\":\"sword\",\"timestamp\":\"2026-05-01T12:00:00.123456\"," + SystemProperties + "}");
        using var document = JsonDocument.Parse(_current);
        _currentElement = document.RootElement.Clone();
        if (EventCodec.TryDecode(_current) is not DecodeResult.Decoded || EventCodec.TryDecode(_legacy) is not DecodeResult.Decoded { SchemaVersion: EventDocument.LegacySchemaVersion })
            throw new InvalidOperationException("The sample documents do not decode.");
    }

    [Benchmark(Description = "Encode (current shape)")]
    public byte[] Encode() => EventCodec.Encode("inv-1", _recorded);

    [Benchmark(Description = "TryDecode: current shape, UTF-8 bytes")]
    public DecodeResult TryDecodeCurrent() => EventCodec.TryDecode(_current);

    [Benchmark(Description = "TryDecode: current shape, JsonElement (change feed)")]
    public DecodeResult TryDecodeCurrentElement() => EventCodec.TryDecode(_currentElement);

    [Benchmark(Description = "TryDecode: legacy ITEM_ADDED, upcast")]
    public DecodeResult TryDecodeLegacy() => EventCodec.TryDecode(_legacy);
}

[MemoryDiagnoser]
public class ProjectionBenchmarks
{
    private InventoryView _view = InventoryView.Empty("inv-1");
    private RecordedEvent _nextAdded = null!;
    private RecordedEvent _nextRemoved = null!;
    private RecordedEvent _redelivered = null!;

    [GlobalSetup]
    public void Setup()
    {
        var history = Samples.History(1_000);
        _view = history.Aggregate(InventoryView.Empty("inv-1"), (view, e) => view.Apply(e));
        _nextAdded = new RecordedEvent(1_001, Samples.Now.AddHours(1), new ItemAdded("item-3", 1));
        _nextRemoved = new RecordedEvent(1_001, Samples.Now.AddHours(1), new ItemRemoved("item-3", 1));
        _redelivered = history[^1];
    }

    [Benchmark(Description = "InventoryView.Apply: ItemAdded (20 items)")]
    public InventoryView ApplyAdded() => _view.Apply(_nextAdded);

    [Benchmark(Description = "InventoryView.Apply: ItemRemoved (20 items)")]
    public InventoryView ApplyRemoved() => _view.Apply(_nextRemoved);

    [Benchmark(Description = "InventoryView.Apply: redelivered event (no-op)")]
    public InventoryView ApplyRedelivered() => _view.Apply(_redelivered);
}

/// <summary>
/// What checking a bearer token costs the app per request: <see cref="BearerTokenValidator"/> with its issuer's keys
/// already cached (the steady state: the JWKS is fetched once), on a 2048-bit RS256 token like Entra ID's. The issuer's
/// discovery document and JWKS come from an in-memory handler (the network is not what is measured here).
/// </summary>
[MemoryDiagnoser]
public class TokenValidationBenchmarks
{
    private const string Issuer = "http://127.0.0.1/bench-issuer";
    private const string Audience = "api://bench";
    private static readonly string[] SigningAlgorithms = ["RS256"];
    private static readonly string[] ServerRole = [AppRoles.Server];

    private readonly RSA _rsa = RSA.Create(2048);
    private BearerTokenValidator _validator = null!;
    private string _authorization = "";

    [GlobalSetup]
    public void Setup()
    {
        var key = new RsaSecurityKey(_rsa) { KeyId = "bench-key" };
        var publicKey = _rsa.ExportParameters(false);
        var jwks = JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "bench-key",
            n = Base64UrlEncoder.Encode(publicKey.Modulus), e = Base64UrlEncoder.Encode(publicKey.Exponent) } } });
        var discovery = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["issuer"] = Issuer, ["jwks_uri"] = Issuer + "/jwks", ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
        });
        var http = new HttpClient(new StaticDocuments(new Dictionary<string, string>
        {
            [Issuer + "/.well-known/openid-configuration"] = discovery,
            [Issuer + "/jwks"] = jwks,
        }));
        _validator = new BearerTokenValidator(Options.Create(new AuthOptions { Issuer = Issuer, Audience = Audience }), http,
            NullLogger<BearerTokenValidator>.Instance);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "player-1", ["roles"] = ServerRole },
            Expires = DateTime.UtcNow.AddHours(6),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
        _authorization = "Bearer " + token;
        if (Validate() is not TokenCheck.Valid)
            throw new InvalidOperationException("The sample token does not validate.");
    }

    [Benchmark(Description = "Bearer token: validate an RS256 token, keys cached (per request)")]
    public TokenCheck Validate() => _validator.ValidateAsync(_authorization, CancellationToken.None).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _rsa.Dispose();

    private sealed class StaticDocuments(IReadOnlyDictionary<string, string> documents) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(documents.TryGetValue(request.RequestUri!.ToString(), out var body)
                ? new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") }
                : new HttpResponseMessage(System.Net.HttpStatusCode.NotFound));
    }
}
