using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.Http;
using Json.Schema;

namespace InventoryFunctions.Testing;

/// <summary>
/// The app's OpenAPI document (<see cref="ApiContract.Json"/>, the bytes the app serves) as a checker of answers: for a
/// request and its response, is the status declared for the route and method, is every API header declared (and every
/// required one present, each matching its schema), is the media type declared and the JSON body valid against its
/// schema (JSON Schema 2020-12). It also counts which declared (route, method, status) answers were seen.
/// </summary>
public sealed class OpenApiContract
{
    /// <summary>Response headers that carry meaning in this API: each must be declared where it appears.</summary>
    private static readonly string[] ApiHeaders = ["ETag", "Location", "Retry-After", "Served-From", "Idempotent-Replayed", "Projection-Parked", "Allow", "WWW-Authenticate"];

    /// <summary>Where requests no route takes are declared: the catch-all function answers them.</summary>
    public const string Unmatched = "(any other path or method)";

    /// <summary>Where the host's own answers on any route are declared (no worker to run the function).</summary>
    public const string Host = "(host, any route)";

    /// <summary>The contract every <see cref="ApiClient"/> client checks; when the test process ends, its coverage goes to <see cref="CoverageFile"/>.</summary>
    public static OpenApiContract Instance { get; } = WithCoverageWrittenAtExit(new(ApiContract.Json));

    /// <summary><c>.artifacts/openapi-coverage.txt</c>: <see cref="CoverageReport"/> of the last test run (test.sh prints it).</summary>
    public static string CoverageFile => RepositoryPaths.PathOf(".artifacts", "openapi-coverage.txt");

    private static OpenApiContract WithCoverageWrittenAtExit(OpenApiContract contract)
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (contract._seen.IsEmpty)
                return;
            Directory.CreateDirectory(Path.GetDirectoryName(CoverageFile)!);
            File.WriteAllText(CoverageFile, contract.CoverageReport() + "\n");
        };
        return contract;
    }

    /// <summary>Set <c>OPENAPI_EXAMPLES_DIR</c> to keep the first body of every answer received there: real answers to take the document's examples from.</summary>
    private static readonly string? ExamplesDirectory = Environment.GetEnvironmentVariable("OPENAPI_EXAMPLES_DIR");

    private readonly JsonObject _document;
    private readonly JsonObject _definitions;
    private readonly List<(string Template, string[] Segments, string Method, JsonObject Responses)> _operations = [];
    private readonly JsonObject _unmatched;
    private readonly JsonObject _host;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private long _checked;
    private long _checkingTicks;
    private readonly ConcurrentDictionary<(string Route, string Method, string Status), int> _seen = new();
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public OpenApiContract(string json)
    {
        _document = JsonNode.Parse(json)!.AsObject();
        foreach (var (template, item) in _document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
                _operations.Add((template, template.Trim('/').Split('/'), method.ToUpperInvariant(), operation!["responses"]!.AsObject()));
        _unmatched = _document["x-unmatched-requests"]!["responses"]!.AsObject();
        _host = _document["x-host-answers"]!["responses"]!.AsObject();
        _definitions = (JsonObject)RewriteReferences(_document["components"]!["schemas"]!.DeepClone());
    }

    /// <summary>Every (route, method, status) the document declares, the catch-all's under <see cref="Unmatched"/>.</summary>
    public IReadOnlyList<(string Route, string Method, string Status)> Declared =>
        [.. _operations.SelectMany(o => o.Responses.Select(r => (o.Template, o.Method, r.Key))),
            .. _unmatched.Select(r => (Unmatched, "*", r.Key)), .. _host.Select(r => (Host, "*", r.Key))];

    public IReadOnlyCollection<(string Route, string Method, string Status)> Seen => [.. _seen.Keys];

    /// <summary>Why <paramref name="response"/> (its body read as <paramref name="body"/>) breaks the contract, or null when it keeps it.</summary>
    public string? Violation(HttpRequestMessage request, HttpResponseMessage response, string body)
    {
        var started = Stopwatch.GetTimestamp();
        var (route, method, responses) = Match(request);
        var violation = Violation(route, method, responses, response, body);
        // The host's own answer (the worker is restarting) stands in for the function's on any route.
        if (violation is not null && Violation(Host, "*", _host, response, body) is null)
            violation = null;
        Interlocked.Increment(ref _checked);
        Interlocked.Add(ref _checkingTicks, Stopwatch.GetTimestamp() - started);
        return violation;
    }

    private string? Violation(string route, string method, JsonObject responses, HttpResponseMessage response, string body)
    {
        var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        var declared = responses[status];
        if (declared is null)
            return $"{status} is not a declared answer of {method} {route} (declared: {string.Join(", ", responses.Select(r => r.Key))}).";
        var answer = ApiContract.Resolve(_document, declared);
        var problems = new List<string>();
        CheckHeaders(answer, response, problems);
        CheckBody(answer, response, body, $"{method} {route} {status}", problems);
        if (problems.Count > 0)
            return $"{method} {route} {status}: {string.Join(" ", problems)}";
        if (_seen.AddOrUpdate((route, method, status), 1, (_, n) => n + 1) == 1 && ExamplesDirectory is { } directory && body.Length > 0)
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(directory).FullName,
                $"{method} {route.Replace('/', '_')} {status}.json"), body);
        return null;
    }

    /// <summary>Every example of a response body in the document that its own schema refuses, as "where: why".</summary>
    public IReadOnlyList<string> ExampleViolations() =>
        [.. from operation in _operations.Select(o => (Where: $"{o.Method} {o.Template}", o.Responses)).Append((Where: "(unmatched)", Responses: _unmatched)).Append((Where: "(host)", Responses: _host))
            from response in operation.Responses
            from content in ApiContract.Resolve(_document, response.Value!)["content"]?.AsObject() ?? []
            from example in content.Value!["examples"]?.AsObject() ?? []
            let result = SchemaOf(content.Value!["schema"]!).Evaluate(JsonSerializer.SerializeToElement(ApiContract.Resolve(_document, example.Value!)["value"]), Evaluation)
            where !result.IsValid
            select $"{operation.Where} {response.Key} {content.Key} example '{example.Key}': {Errors(result)}"];

    /// <summary>How many response bodies in the document have an example.</summary>
    public int ExampleCount =>
        (from operation in _operations.Select(o => o.Responses).Append(_unmatched).Append(_host)
         from response in operation
         from content in ApiContract.Resolve(_document, response.Value!)["content"]?.AsObject() ?? []
         select content.Value!["examples"]?.AsObject().Count ?? 0).Sum();

    /// <summary>The document's route and method for a request (the most literal template wins), else the catch-all's answers.</summary>
    private (string Route, string Method, JsonObject Responses) Match(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        var api = path.IndexOf("/api/", StringComparison.Ordinal);
        var segments = (api < 0 ? path : path[(api + 5)..]).Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        var method = request.Method.Method.ToUpperInvariant();
        var candidates = _operations
            .Where(o => o.Method == method && o.Segments.Length == segments.Length
                && o.Segments.Zip(segments).All(p => p.First.StartsWith('{') || p.First == p.Second))
            .OrderBy(o => o.Segments.Count(s => s.StartsWith('{')))
            .ToList();
        return candidates.Count > 0 ? (candidates[0].Template, method, candidates[0].Responses) : (Unmatched, "*", _unmatched);
    }

    private void CheckHeaders(JsonObject answer, HttpResponseMessage response, List<string> problems)
    {
        var declared = answer["headers"]?.AsObject() ?? [];
        foreach (var name in ApiHeaders)
        {
            var value = HeaderValue(response, name);
            var header = declared.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { } node
                ? ApiContract.Resolve(_document, node) : null;
            if (header is null)
            {
                if (value is not null)
                    problems.Add($"header {name} is not declared for this answer.");
                continue;
            }
            if (value is null)
            {
                if (header["required"]?.GetValue<bool>() == true)
                    problems.Add($"the required header {name} is missing.");
                continue;
            }
            var result = _schemas.GetOrAdd("header " + name + " " + header["schema"]!.ToJsonString(), _ => SchemaOf(header["schema"]!))
                .Evaluate(JsonSerializer.SerializeToElement(value), Evaluation);
            if (!result.IsValid)
                problems.Add($"header {name}: {value} does not match its schema ({Errors(result)}).");
        }
    }

    private void CheckBody(JsonObject answer, HttpResponseMessage response, string body, string key, List<string> problems)
    {
        var content = answer["content"]?.AsObject();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (content is null || content.Count == 0)
        {
            if (body.Length > 0)
                problems.Add($"this answer declares no body, and it has one ({mediaType}).");
            return;
        }
        var schema = content.FirstOrDefault(c => string.Equals(c.Key, mediaType, StringComparison.OrdinalIgnoreCase)).Value?["schema"];
        if (schema is null)
        {
            problems.Add($"the media type {mediaType ?? "(none)"} is not declared (declared: {string.Join(", ", content.Select(c => c.Key))}).");
            return;
        }
        if (!mediaType!.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            return;
        JsonElement instance;
        try
        {
            using var parsed = JsonDocument.Parse(body);
            instance = parsed.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            problems.Add($"the body is not JSON: {ex.Message}");
            return;
        }
        var result = _schemas.GetOrAdd(key + " " + mediaType, _ => SchemaOf(schema)).Evaluate(instance, Evaluation);
        if (!result.IsValid)
            problems.Add($"the body does not match its schema: {Errors(result)} Body: {Truncate(body)}");
    }

    /// <summary>A schema of the document as a standalone JSON Schema: the components become its <c>$defs</c>.</summary>
    private JsonSchema SchemaOf(JsonNode schema)
    {
        var standalone = (JsonObject)RewriteReferences(schema.DeepClone());
        standalone["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        standalone["$defs"] = _definitions.DeepClone();
        using var parsed = JsonDocument.Parse(standalone.ToJsonString());
        return JsonSchema.Build(parsed.RootElement.Clone(), BuildOptions.Default, new Uri($"https://inventoryfunctions.dev/openapi/checked/{Guid.NewGuid():N}"));
    }

    private static JsonNode RewriteReferences(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["$ref"] is JsonValue reference && reference.GetValue<string>().StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    o["$ref"] = "#/$defs/" + reference.GetValue<string>()["#/components/schemas/".Length..];
                foreach (var (_, child) in o.ToList())
                    if (child is not null)
                        RewriteReferences(child);
                break;
            case JsonArray a:
                foreach (var child in a)
                    if (child is not null)
                        RewriteReferences(child);
                break;
        }
        return node;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    private static string Errors(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .Select(d => $"at '{d.InstanceLocation}' ({d.EvaluationPath}): {string.Join(", ", d.Errors!.Values)}").Take(8));

    private static string Truncate(string text) => text.Length <= 600 ? text : text[..600] + "…";

    /// <summary>How many declared answers the tests received, and which were not: one line, then one line per unseen answer.</summary>
    public string CoverageReport()
    {
        var declared = Declared;
        var seen = declared.Where(d => _seen.ContainsKey(d)).ToList();
        var report = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"OpenAPI coverage: {seen.Count} of {declared.Count} declared (route, method, status) answers were received by the integration tests ({100.0 * seen.Count / declared.Count:F0} %); "
            + $"{Interlocked.Read(ref _checked)} answers checked in {Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _checkingTicks)).TotalSeconds:F1} s of checking.");
        foreach (var (route, method, status) in declared.Except(seen))
            report.Append(CultureInfo.InvariantCulture, $"\n  not received: {method} {route} {status}");
        return report.ToString();
    }
}

/// <summary>The handler under every <see cref="ApiClient"/> client: an answer that breaks the OpenAPI document fails the request, so the test that sent it fails.</summary>
public sealed class OpenApiContractHandler(HttpMessageHandler inner, OpenApiContract contract) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (contract.Violation(request, response, body) is { } violation)
        {
            response.Dispose();
            throw new OpenApiContractViolationException($"{request.Method} {request.RequestUri}: the answer breaks the OpenAPI document (src/InventoryFunctions/OpenApi/openapi.json). {violation}");
        }
        return response;
    }
}

public sealed class OpenApiContractViolationException(string message) : Exception(message);
