using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InventoryFunctions.Http;
using InventoryFunctions.Testing;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace InventoryFunctions.Tests.Http;

/// <summary>
/// The OpenAPI document the app serves (<c>OpenApi/openapi.json</c>) is valid OpenAPI 3.1, names exactly the HTTP routes
/// the Worker SDK generated into <c>functions.metadata</c>, every problem type of <see cref="Problems"/> with its status
/// and title, and agrees with README's API table. That every answer matches it is checked on every integration test's
/// answers (<see cref="OpenApiContractHandler"/>).
/// </summary>
public partial class OpenApiDocumentTests
{
    private static readonly JsonObject Document = JsonNode.Parse(ApiContract.Json)!.AsObject();

    [Fact]
    public void The_document_reads_as_OpenAPI_3_1_with_no_errors_or_warnings()
    {
        var (document, diagnostic) = OpenApiDocument.Parse(ApiContract.Json, "json", new OpenApiReaderSettings());

        Assert.NotNull(document);
        Assert.NotNull(diagnostic);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet())!.Select(e => $"{e.Pointer}: {e.Message}"));
    }

    [Fact]
    public void Every_route_and_method_of_functions_metadata_is_in_the_document_and_every_path_is_a_route()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        var routes = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .Where(b => !b.GetProperty("route").GetString()!.StartsWith("{*", StringComparison.Ordinal)) // the catch-all: x-unmatched-requests
            .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()!.ToUpperInvariant()} /{b.GetProperty("route").GetString()}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(routes, DocumentOperations().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_catch_all_answers_are_declared_for_requests_no_route_takes()
    {
        var unmatched = Document["x-unmatched-requests"]!["responses"]!.AsObject();

        Assert.Equal(["404", "405"], unmatched.Select(r => r.Key));
    }

    private static IEnumerable<ProblemType> AppProblemTypes() =>
        typeof(Problems).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.GetValue(null)).OfType<ProblemType>();

    public static TheoryData<string> ProblemTypes() => [.. AppProblemTypes().Select(p => p.Name)];

    private static ProblemType ProblemNamed(string name) => AppProblemTypes().Single(p => p.Name == name);

    [Theory]
    [MemberData(nameof(ProblemTypes))]
    public void Every_problem_type_is_in_the_document_with_its_status_and_title(string name)
    {
        var problem = ProblemNamed(name);
        var schema = Document["components"]!["schemas"]!["Problem-" + name]!["properties"]!;

        Assert.Contains(problem.Type, ProblemTypeEnumeration());
        Assert.Equal(problem.Type, schema["type"]!["const"]!.GetValue<string>());
        Assert.Equal(problem.Status, schema["status"]!["const"]!.GetValue<int>());
        Assert.Equal(problem.Title, schema["title"]!["const"]!.GetValue<string>());
    }

    [Fact]
    public void The_document_enumerates_no_problem_type_the_app_does_not_have()
    {
        var known = AppProblemTypes().Select(p => Problems.TypeBase + p.Name);

        Assert.Empty(ProblemTypeEnumeration().Except(known));
    }

    [Fact]
    public void Every_problem_answer_is_declared_under_its_problem_types_status()
    {
        var mismatches = new List<string>();
        foreach (var (where, status, answer) in AllResponses())
        {
            if (answer["content"]?["application/problem+json"]?["schema"] is not { } schema)
                continue;
            IEnumerable<JsonNode> choices = schema["oneOf"] is JsonArray oneOf ? oneOf.Select(c => c!) : [schema];
            foreach (var choice in choices)
            {
                var declared = ApiContract.Resolve(Document, choice)["properties"]!["status"]!["const"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (declared != status)
                    mismatches.Add($"{where} {status}: {choice["$ref"]} has status {declared}");
            }
        }
        Assert.Empty(mismatches);
    }

    [Fact]
    public void Every_operation_but_the_anonymous_ones_declares_the_bearer_answers_401_with_WWW_Authenticate_and_403()
    {
        var anonymous = new[] { "GET /health", "GET /openapi.json", "GET /reference", "GET /explorer" };
        foreach (var (key, operation) in Operations())
        {
            var isAnonymous = operation["security"] is JsonArray { Count: 0 };
            Assert.True(isAnonymous == anonymous.Contains(key), $"{key}: anonymous is {isAnonymous}");
            var responses = operation["responses"]!.AsObject();
            Assert.True(isAnonymous != (responses.ContainsKey("401") && responses.ContainsKey("403")), $"{key}: 401/403 declared wrongly");
        }
        Assert.NotNull(ApiContract.Resolve(Document, Document["components"]!["responses"]!["Unauthenticated"]!)["headers"]!["WWW-Authenticate"]);
        Assert.Equal("bearer", Document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
    }

    /// <summary>README's table, row by row: "`METHOD /api/route…`", and the statuses named in its success and error columns.</summary>
    [Fact]
    public void README_API_table_names_the_same_operations_and_statuses_as_the_document()
    {
        var readme = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (Match row in ReadmeRow().Matches(ReadmeApiSection()))
        {
            var key = $"{row.Groups["method"].Value} /{row.Groups["route"].Value}";
            var statuses = readme.TryGetValue(key, out var existing) ? existing : readme[key] = new SortedSet<string>(StringComparer.Ordinal);
            foreach (Match status in ReadmeStatus().Matches(row.Groups["answers"].Value))
                statuses.Add(status.Value);
        }
        // 401 and 403 are every secured route's (README says so once, above the table).
        var documented = Operations().ToDictionary(o => o.Key,
            o => string.Join(" ", o.Value["responses"]!.AsObject().Select(r => r.Key).Where(s => s is not ("401" or "403")).Order(StringComparer.Ordinal)));

        Assert.Equal(documented.OrderBy(d => d.Key, StringComparer.Ordinal),
            readme.ToDictionary(r => r.Key, r => string.Join(" ", r.Value)).OrderBy(d => d.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void The_reference_page_shows_every_operation_and_every_problem_type_and_allows_no_script()
    {
        foreach (var (key, _) in Operations())
        {
            var space = key.IndexOf(' ', StringComparison.Ordinal);
            Assert.Contains($">{key[..space]}</span><code>/api{key[(space + 1)..]}</code>", ApiContract.ReferenceHtml, StringComparison.Ordinal);
        }
        Assert.All(ProblemTypeEnumeration(), type => Assert.Contains(type, ApiContract.ReferenceHtml, StringComparison.Ordinal));
        Assert.DoesNotContain("<script", ApiContract.ReferenceHtml, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("script-src", ApiContract.ReferenceContentSecurityPolicy, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none'; style-src 'sha256-", ApiContract.ReferenceContentSecurityPolicy, StringComparison.Ordinal);
    }

    private static IEnumerable<string> ProblemTypeEnumeration() =>
        Document["components"]!["schemas"]!["ProblemType"]!["enum"]!.AsArray().Select(t => t!.GetValue<string>());

    private static IEnumerable<(string Key, JsonObject Value)> Operations() =>
        from path in Document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        select ($"{operation.Key.ToUpperInvariant()} {path.Key}", operation.Value!.AsObject());

    private static IEnumerable<string> DocumentOperations() => Operations().Select(o => o.Key);

    private static IEnumerable<(string Where, string Status, JsonObject Answer)> AllResponses() =>
        Operations().SelectMany(o => o.Value["responses"]!.AsObject().Select(r => (o.Key, r.Key, ApiContract.Resolve(Document, r.Value!))))
            .Concat(Document["x-unmatched-requests"]!["responses"]!.AsObject().Select(r => ("(unmatched)", r.Key, ApiContract.Resolve(Document, r.Value!))));

    private static string ReadmeApiSection()
    {
        var readme = File.ReadAllText(RepositoryPaths.PathOf("README.md"));
        var start = readme.IndexOf("\n## HTTP API", StringComparison.Ordinal);
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    /// <summary>A table row: its first cell starts "`METHOD /api/route" (a query may follow); the rest are the answers.</summary>
    [GeneratedRegex(@"^\| `(?<method>GET|POST|PUT|PATCH|DELETE) /api/(?<route>[^ ?`]+)[^|]*\|(?<answers>.*)\|\s*$", RegexOptions.Multiline)]
    private static partial Regex ReadmeRow();

    /// <summary>A status code in a README cell: three digits 200–599 standing alone (not part of "1,000" or "1–100").</summary>
    [GeneratedRegex(@"(?<![\d,.–-])[2-5]\d\d(?!\d|,\d)")]
    private static partial Regex ReadmeStatus();
}
