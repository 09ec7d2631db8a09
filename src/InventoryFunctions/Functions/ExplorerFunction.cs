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
        => EmbeddedPages.Serve(request, ExplorerPage.Html, ExplorerPage.ContentSecurityPolicy);
}
