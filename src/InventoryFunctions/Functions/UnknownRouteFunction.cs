using InventoryFunctions.Http.Auth;
using InventoryFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Functions;

/// <summary>
/// Every request no other function takes: a problem instead of the host's empty 404, naming what is served there.
/// An unknown route answers 404 <c>route-not-found</c>; a known route asked with another method answers 405
/// <c>method-not-allowed</c> with <c>Allow</c>. Routing prefers every other function's route to this catch-all.
/// </summary>
public sealed class UnknownRouteFunction
{
    private static readonly RouteTable Routes = new(typeof(UnknownRouteFunction).Assembly, except: nameof(UnknownRoute));

    [Access(AccessPolicy.Anonymous)]
    [Function(nameof(UnknownRoute))]
    public static IResult UnknownRoute(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "delete", "patch", "head", "options", Route = "{*path}")] HttpRequest request,
        string? path = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var methods = Routes.MethodsAt(path ?? "");
        if (methods.Count == 0)
            return Problems.RouteNotFound.With($"No resource at '/{path}'. README lists the API.");
        request.HttpContext.Response.Headers.Allow = string.Join(", ", methods);
        return Problems.MethodNotAllowed.With($"'/{path}' answers {string.Join(", ", methods)}, not {request.Method}.");
    }
}
