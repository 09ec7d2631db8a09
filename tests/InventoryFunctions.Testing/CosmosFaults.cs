using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace InventoryFunctions.Testing;

/// <summary>How the dev server's fault mode fails a request (tools/devstack/README.md, "Fault mode").</summary>
public enum CosmosFaultKind
{
    /// <summary>429 with <c>x-ms-substatus: 3200</c> and <c>x-ms-retry-after-ms</c>; nothing applied.</summary>
    TooManyRequests,

    /// <summary>503; nothing applied.</summary>
    ServiceUnavailable,

    /// <summary>408; nothing applied.</summary>
    RequestTimeout,

    /// <summary>The connection is cut before the request is applied.</summary>
    DroppedConnection,

    /// <summary>The request is applied, then the connection is cut instead of the response.</summary>
    LostResponse,
}

/// <summary>
/// A fault rule: fail <see cref="Rate"/> of the matching requests with one of <see cref="Kinds"/>.
/// By default every document operation of every container matches, and account/database/container
/// metadata requests never do.
/// </summary>
public sealed record CosmosFaultRule(double Rate, params IReadOnlyList<CosmosFaultKind> Kinds)
{
    /// <summary>Seeds the server's random choices, so a sequential run repeats exactly; random when null.</summary>
    public int? Seed { get; init; }

    /// <summary>The <c>x-ms-retry-after-ms</c> of injected 429s (the server's default is 50).</summary>
    public int? RetryAfterMs { get; init; }

    /// <summary>Stop injecting after this many faults.</summary>
    public int? MaxFaults { get; init; }

    /// <summary>
    /// Operations to fault: create, upsert, replace, patch, delete, read, readfeed, changefeed, query,
    /// queryplan, batch, and metadata (only when named). Null: every document operation.
    /// </summary>
    public IReadOnlyList<string>? Operations { get; init; }

    /// <summary>Container ids to fault; null: all.</summary>
    public IReadOnlyList<string>? Containers { get; init; }

    internal JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["rate"] = Rate,
            ["kinds"] = new JsonArray([.. Kinds.Select(k => JsonValue.Create(CosmosFaults.WireName(k)))]),
        };
        if (Seed is { } seed)
        {
            json["seed"] = seed;
        }

        if (RetryAfterMs is { } retryAfter)
        {
            json["retryAfterMs"] = retryAfter;
        }

        if (MaxFaults is { } max)
        {
            json["maxFaults"] = max;
        }

        var match = new JsonObject();
        if (Operations is not null)
        {
            match["operations"] = new JsonArray([.. Operations.Select(o => JsonValue.Create(o))]);
        }

        if (Containers is not null)
        {
            match["containers"] = new JsonArray([.. Containers.Select(c => JsonValue.Create(c))]);
        }

        json["match"] = match;
        return json;
    }
}

/// <summary>The fault mode's state: on or off, and what it did since the last rule was set.</summary>
/// <param name="Matched">Requests the rule matched (faulted or not).</param>
/// <param name="Injected">Faults injected, per kind.</param>
public sealed record CosmosFaultCounts(bool Enabled, long Matched, IReadOnlyDictionary<CosmosFaultKind, long> Injected)
{
    public long Total => Injected.Values.Sum();

    public long this[CosmosFaultKind kind] => Injected.GetValueOrDefault(kind);
}

/// <summary>The dev server's fault control endpoint, <c>/_dev/faults</c>.</summary>
internal static class CosmosFaults
{
    public const string Path = "_dev/faults";

    public static string WireName(CosmosFaultKind kind) => kind switch
    {
        CosmosFaultKind.TooManyRequests => "429",
        CosmosFaultKind.ServiceUnavailable => "503",
        CosmosFaultKind.RequestTimeout => "408",
        CosmosFaultKind.DroppedConnection => "drop",
        CosmosFaultKind.LostResponse => "lost-response",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static async Task<CosmosFaultCounts> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The dev server refused the fault rule ({(int)response.StatusCode}): {body}");
        }

        var state = JsonNode.Parse(body)!.AsObject();
        var counts = state["counts"]!.AsObject();
        var injected = Enum.GetValues<CosmosFaultKind>().ToDictionary(
            kind => kind,
            kind => counts["injected"]![WireName(kind)]!.GetValue<long>());
        return new CosmosFaultCounts(state["enabled"]!.GetValue<bool>(), counts["matched"]!.GetValue<long>(), injected);
    }
}

public sealed partial class CosmosDevServer
{
    private HttpClient? _control;

    /// <summary>False for the Cosmos DB named by <c>CosmosDb</c> (the official emulator has no fault mode).</summary>
    public bool SupportsFaults => _process is not null;

    /// <summary>Turns fault mode on with <paramref name="rule"/> (and zeroes the counts).</summary>
    public async Task<CosmosFaultCounts> SetFaultsAsync(CosmosFaultRule rule, CancellationToken cancellationToken = default)
    {
        using var response = await Control().PostAsJsonAsync(CosmosFaults.Path, rule.ToJson(), cancellationToken).ConfigureAwait(false);
        return await CosmosFaults.ReadAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Turns fault mode off; the counts of the last rule stay readable.</summary>
    public async Task<CosmosFaultCounts> ClearFaultsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Control().DeleteAsync(CosmosFaults.Path, cancellationToken).ConfigureAwait(false);
        return await CosmosFaults.ReadAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether fault mode is on, and the faults injected since the last rule was set.</summary>
    public async Task<CosmosFaultCounts> GetFaultsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Control().GetAsync(CosmosFaults.Path, cancellationToken).ConfigureAwait(false);
        return await CosmosFaults.ReadAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private HttpClient Control()
    {
        if (_process is null)
        {
            throw new NotSupportedException("Fault mode is a feature of the local dev server, not of the Cosmos DB named by CosmosDb.");
        }

        return _control ??= new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Endpoint };
    }
}
