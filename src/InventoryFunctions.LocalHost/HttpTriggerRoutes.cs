using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// One endpoint per HTTP-triggered function, built from the loaded metadata: route <c>{routePrefix}/{route}</c> (the
/// function name when the binding has no route) as an ASP.NET Core route pattern, so constraints like <c>{id:int}</c>
/// work as on the host, and the binding's methods (all when it lists none). Routes under <c>admin</c> are refused:
/// the Functions host reserves them for its own API.
/// </summary>
public sealed class HttpTriggerRoutes(ILogger<HttpTriggerRoutes> logger) : EndpointDataSource, IDisposable
{
    private readonly object _lock = new();
    private List<Endpoint> _endpoints = [];
    private CancellationTokenSource _changed = new();
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first worker's functions are mapped; until then requests wait rather than 404.</summary>
    public Task Loaded => _loaded.Task;

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints;

    public override IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

    public void Load(IEnumerable<FunctionMetadata> functions, string routePrefix, RequestDelegate invoke)
    {
        var endpoints = new List<Endpoint>();
        var order = 0;
        foreach (var function in functions.Where(f => f.IsHttpTrigger).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var trigger = function.Trigger!;
            var route = ((string?)trigger["route"] ?? function.Name).Trim('/');
            if (route.Equals("admin", StringComparison.OrdinalIgnoreCase) || route.StartsWith("admin/", StringComparison.OrdinalIgnoreCase))
            {
                logger.LogError("Function {Function}: the route '{Route}' conflicts with the host's reserved 'admin' routes; it is not served", function.Name, route);
                continue;
            }
            var pattern = RoutePatternFactory.Parse(string.IsNullOrEmpty(routePrefix) ? route : $"{routePrefix}/{route}");
            var methods = trigger["methods"] is JsonArray listed && listed.Count > 0
                ? listed.Select(m => ((string)m!).ToUpperInvariant()).ToArray()
                : ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];
            var builder = new RouteEndpointBuilder(invoke, pattern, order++) { DisplayName = function.Name };
            builder.Metadata.Add(new HttpMethodMetadata(methods));
            builder.Metadata.Add(function);
            endpoints.Add(builder.Build());
            logger.LogInformation("{Function}: [{Methods}] /{Pattern}", function.Name, string.Join(",", methods), pattern.RawText);
        }

        lock (_lock)
        {
            _endpoints = endpoints;
            var previous = _changed;
            _changed = new CancellationTokenSource();
            previous.Cancel();
            previous.Dispose();
        }
        _loaded.TrySetResult();
    }

    public void Dispose() => _changed.Dispose();
}
