using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/explorer</c>: the inventory explorer page. The HTML loads without a token; every API call it makes
/// carries the bearer token pasted into it (or opened with as <c>#access_token=</c>), so it needs nothing but this app.
/// </summary>
public sealed class ExplorerFunction
{
    [Access(AccessPolicy.Anonymous)]
    [Function(nameof(Explorer))]
    public IResult Explorer([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "explorer")] HttpRequest request)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ExplorerPage.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        // The page's URL names the inventory looked at: never send it on as a referrer.
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return TypedResults.Content(ExplorerPage.Html, "text/html; charset=utf-8");
    }
}
