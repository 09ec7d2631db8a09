using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// Builds the local Functions host: Kestrel with the public HTTP endpoint(s) and a loopback HTTP/2 endpoint for the
/// workers' gRPC stream, the worker supervisor, the HTTP trigger routes and the Cosmos DB trigger listeners.
/// </summary>
public static class LocalHostApp
{
    public static WebApplication Build(LocalHostOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = options.ScriptRoot });
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        // The request and gRPC plumbing of the host (and of the worker's ASP.NET Core) only at warnings, like func start.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);

        ListenOptions? rpcListener = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var url in options.Urls)
                Listen(kestrel, BindingAddress.Parse(url));
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                rpcListener = listen;
            });
            // Workers send and receive whole messages up to the max length they were started with.
            kestrel.Limits.MaxRequestBodySize = null;
        });

        var settings = HostSettings.Load(options.ScriptRoot, options.Settings);
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<HostRequestTracing>();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<RpcEndpoint>();
        builder.Services.AddSingleton<WorkerChannelRegistry>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton<WorkerHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerHost>());
        builder.Services.AddSingleton<HttpTriggerRoutes>();
        builder.Services.AddSingleton<HttpTriggerInvoker>();
        builder.Services.AddSingleton<TriggerListeners>();
        builder.Services.AddSingleton<DevIssuer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TriggerListeners>());

        var app = builder.Build();
        app.Use(WaitForFunctionsAsync);
        app.UseRouting();
        app.MapGrpcService<FunctionRpcService>();
        // The host's own API lives under /admin; it is not served locally, and no function may take it.
        app.Map("admin/{**rest}", context => Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Not found",
            "Routes under /admin are reserved for the Functions host's own API, which the local host does not serve."));
        app.Services.GetRequiredService<DevIssuer>().Map(app);
        ((IEndpointRouteBuilder)app).DataSources.Add(app.Services.GetRequiredService<HttpTriggerRoutes>());
        app.MapFallback(context => Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Not found",
            $"No function serves {context.Request.Method} {context.Request.Path}."));

        // The gRPC port is known once Kestrel has bound it, which is before the first worker starts.
        app.Services.GetRequiredService<RpcEndpoint>().Listener = () => rpcListener;
        return app;
    }

    /// <summary>
    /// Requests that arrive while the first worker is still starting wait for its functions (like requests to a
    /// starting Functions host) instead of finding no route; the workers' own gRPC calls never wait.
    /// </summary>
    private static async Task WaitForFunctionsAsync(HttpContext context, RequestDelegate next)
    {
        var routes = context.RequestServices.GetRequiredService<HttpTriggerRoutes>();
        if (!routes.Loaded.IsCompleted && !context.Request.Path.StartsWithSegments(DevIssuer.PathBase) && context.Connection.LocalPort != context.RequestServices.GetRequiredService<RpcEndpoint>().Uri.Port)
        {
            var timeout = context.RequestServices.GetRequiredService<LocalHostOptions>().WorkerReadyTimeout;
            try
            {
                await routes.Loaded.WaitAsync(timeout, context.RequestAborted);
            }
            catch (TimeoutException)
            {
                await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The function worker is not running",
                    $"No worker loaded the functions within {timeout.TotalSeconds:0} s; see the host's log.", TimeSpan.FromSeconds(5));
                return;
            }
        }
        await next(context);
    }

    /// <summary>The bound public HTTP addresses (after start), e.g. <c>http://127.0.0.1:53124</c>.</summary>
    public static IReadOnlyList<Uri> HttpAddresses(WebApplication app)
    {
        var rpcPort = app.Services.GetRequiredService<RpcEndpoint>().Uri.Port;
        return [.. app.Urls.Select(u => new Uri(u)).Where(u => u.Port != rpcPort)];
    }

    private static void Listen(KestrelServerOptions kestrel, BindingAddress address)
    {
        if (address.Scheme != "http")
            throw new InvalidOperationException($"The local host serves http only, not {address.Scheme}.");
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            kestrel.ListenLocalhost(address.Port);
        else if (address.Host is "*" or "+" or "0.0.0.0" or "[::]")
            kestrel.ListenAnyIP(address.Port);
        else
            kestrel.Listen(IPAddress.Parse(address.Host.Trim('[', ']')), address.Port);
    }
}
