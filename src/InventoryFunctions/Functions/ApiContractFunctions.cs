using InventoryFunctions.Http;
using InventoryFunctions.Http.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary><c>GET /api/openapi.json</c> (anonymous): the API's OpenAPI 3.1 document, for API Management, client generators and reviewers.</summary>
public static class OpenApiDocumentFunction
{
    [Access(AccessPolicy.Anonymous)]
    [Function(nameof(OpenApiDocument))]
    public static IResult OpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request)
    {
        request.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Content(ApiContract.Json, "application/json; charset=utf-8");
    }
}

/// <summary><c>GET /api/reference</c> (anonymous): the API reference page for people, rendered from the OpenAPI document; no script, nothing fetched.</summary>
public static class ApiReferenceFunction
{
    [Access(AccessPolicy.Anonymous)]
    [Function(nameof(ApiReference))]
    public static IResult ApiReference([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reference")] HttpRequest request)
        => EmbeddedPages.Serve(request, ApiContract.ReferenceHtml, ApiContract.ReferenceContentSecurityPolicy);
}
