using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// <c>GET /api/explorer</c>: the inventory explorer page. It calls the API with relative URLs and passes on the
/// function key it was opened with (<c>?code=</c>), so it needs nothing but this app.
/// </summary>
public sealed class ExplorerFunction
{
    [Function(nameof(Explorer))]
    public IResult Explorer([HttpTrigger(AuthorizationLevel.Function, "get", Route = "explorer")] HttpRequest request)
        => EmbeddedPages.Serve(request, ExplorerPage.Html, ExplorerPage.ContentSecurityPolicy);
}
