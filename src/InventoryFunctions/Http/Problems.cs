using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InventoryFunctions.Http;

/// <summary>RFC 9457 problem details; the last segment of <c>type</c> names the error for clients to switch on.</summary>
public static class Problems
{
    public const string TypeBase = "https://inventoryfunctions.dev/problems/";

    public static ProblemHttpResult Create(int status, string name, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypeBase + name, extensions: extensions);

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        Create(StatusCodes.Status400BadRequest, "validation-failed", "The request is not valid.",
            "See 'errors' for every field that was rejected.", new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult ServiceUnavailable(string detail) =>
        Create(StatusCodes.Status503ServiceUnavailable, "service-unavailable", "A dependency is unavailable.", detail);
}
