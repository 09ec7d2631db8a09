using System.Net;
using System.Text;
using InventoryFunctions.Http;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Tests.Http;

/// <summary>
/// The checker under every integration test's <see cref="ApiClient"/> can fail: an undeclared status, an undeclared or
/// malformed header, an undeclared media type and a body off its schema are each a violation; real answers are not.
/// </summary>
public class OpenApiContractTests
{
    private readonly OpenApiContract _contract = new(ApiContract.Json);

    private const string Appended = """{"inventoryId":"inv-1","version":2,"events":[{"version":2,"type":"ItemAdded","itemId":"sword","quantity":2,"occurredAt":"2026-12-04T19:00:00.1234567Z","actor":{"kind":"player","id":"inv-1","appId":null}}]}""";

    private string? Check(HttpMethod method, string path, HttpStatusCode status, string? body, string mediaType = "application/json", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri("http://127.0.0.1:7071/api/" + path));
        using var response = new HttpResponseMessage(status) { Content = body is null ? new ByteArrayContent([]) : new StringContent(body, Encoding.UTF8, mediaType) };
        foreach (var (name, value) in headers)
            response.Headers.TryAddWithoutValidation(name, value);
        return _contract.Violation(request, response, body ?? "");
    }

    [Fact]
    public void A_real_answer_of_a_write_keeps_the_contract() =>
        Assert.Null(Check(HttpMethod.Post, "inventories/inv-1/items", HttpStatusCode.Created, Appended, headers: ("ETag", "\"2\"")));

    [Fact]
    public void An_undeclared_status_is_a_violation() =>
        Assert.Contains("418 is not a declared answer of POST /inventories/{inventoryId}/items", Check(HttpMethod.Post, "inventories/inv-1/items", (HttpStatusCode)418, Appended), StringComparison.Ordinal);

    [Fact]
    public void A_500_where_none_is_declared_is_a_violation() =>
        Assert.NotNull(Check(HttpMethod.Get, "most-collected", HttpStatusCode.InternalServerError, null));

    [Fact]
    public void A_body_with_a_member_the_schema_does_not_have_is_a_violation() =>
        Assert.Contains("does not match its schema", Check(HttpMethod.Post, "inventories/inv-1/items", HttpStatusCode.Created, Appended.Replace("\"version\":2,\"events\"", "\"version\":2,\"extra\":1,\"events\"", StringComparison.Ordinal), headers: ("ETag", "\"2\"")), StringComparison.Ordinal);

    [Fact]
    public void A_missing_required_header_is_a_violation() =>
        Assert.Contains("required header ETag is missing", Check(HttpMethod.Post, "inventories/inv-1/items", HttpStatusCode.Created, Appended), StringComparison.Ordinal);

    [Fact]
    public void A_header_the_answer_does_not_declare_is_a_violation() =>
        Assert.Contains("header Served-From is not declared", Check(HttpMethod.Post, "inventories/inv-1/items", HttpStatusCode.Created, Appended, headers: [("ETag", "\"2\""), ("Served-From", "view")]), StringComparison.Ordinal);

    [Fact]
    public void A_header_off_its_schema_is_a_violation() =>
        Assert.Contains("header ETag", Check(HttpMethod.Post, "inventories/inv-1/items", HttpStatusCode.Created, Appended, headers: ("ETag", "W/\"x\"")), StringComparison.Ordinal);

    [Fact]
    public void A_problem_of_a_type_its_status_does_not_declare_is_a_violation() =>
        Assert.Contains("does not match its schema", Check(HttpMethod.Get, "inventories/inv-1", HttpStatusCode.NotFound,
            """{"type":"https://inventoryfunctions.dev/problems/rebuild-job-not-found","title":"No such rebuild job.","status":404}""", "application/problem+json"), StringComparison.Ordinal);

    [Fact]
    public void A_problem_sent_as_plain_JSON_is_a_violation() =>
        Assert.Contains("media type application/json is not declared", Check(HttpMethod.Get, "inventories/inv-1", HttpStatusCode.NotFound,
            """{"type":"https://inventoryfunctions.dev/problems/inventory-not-found","title":"No such inventory.","status":404}"""), StringComparison.Ordinal);

    [Fact]
    public void An_unknown_path_is_held_to_the_catch_all_answers()
    {
        Assert.Null(Check(HttpMethod.Get, "nowhere/at/all", HttpStatusCode.NotFound,
            """{"type":"https://inventoryfunctions.dev/problems/route-not-found","title":"No such resource.","status":404,"detail":"x"}""", "application/problem+json"));
        Assert.Contains("is not a declared answer", Check(HttpMethod.Get, "nowhere", HttpStatusCode.OK, "{}"), StringComparison.Ordinal);
        Assert.Contains("required header Allow is missing", Check(HttpMethod.Put, "inventories/inv-1", HttpStatusCode.MethodNotAllowed,
            """{"type":"https://inventoryfunctions.dev/problems/method-not-allowed","title":"The resource does not answer this method.","status":405}""", "application/problem+json"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_hosts_own_503_while_the_worker_restarts_is_accepted_on_any_route_but_only_with_Retry_After()
    {
        const string WorkerUnavailable = """{"type":"about:blank","title":"The function worker is unavailable","status":503,"detail":"Retry.","instance":"/api/explorer"}""";

        Assert.Null(Check(HttpMethod.Get, "explorer", HttpStatusCode.ServiceUnavailable, WorkerUnavailable, "application/problem+json", ("Retry-After", "5")));
        Assert.Contains("503 is not a declared answer of GET /explorer", Check(HttpMethod.Get, "explorer", HttpStatusCode.ServiceUnavailable, WorkerUnavailable, "application/problem+json"), StringComparison.Ordinal);
        Assert.Contains(_contract.Seen, s => s.Route == OpenApiContract.Host);
    }

    [Fact]
    public void Every_example_in_the_document_matches_its_schema()
    {
        Assert.True(_contract.ExampleCount >= 10, $"only {_contract.ExampleCount} examples");
        Assert.Empty(_contract.ExampleViolations());
    }

    [Fact]
    public void Answers_received_are_counted_against_those_declared()
    {
        Check(HttpMethod.Post, "inventories/inv-1/items", HttpStatusCode.Created, Appended, headers: ("ETag", "\"2\""));

        Assert.Equal([("/inventories/{inventoryId}/items", "POST", "201")], _contract.Seen);
        Assert.StartsWith($"OpenAPI coverage: 1 of {_contract.Declared.Count} declared", _contract.CoverageReport(), StringComparison.Ordinal);
    }
}
