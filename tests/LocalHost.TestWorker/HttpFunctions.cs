using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LocalHost.TestWorker;

public sealed class HttpFunctions(ILogger<HttpFunctions> logger)
{
    /// <summary>Logs a line with the caller's marker, then throws: the host must answer 500 and show the log.</summary>
    [Function("Throws")]
    public IResult Throws([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throws")] HttpRequest request)
    {
        var marker = request.Query["marker"].ToString();
        logger.LogWarning("About to throw for {Marker}", marker);
        throw new InvalidOperationException($"Thrown on purpose for {marker}");
    }

    /// <summary>Who serves: the worker's process id and a setting from its environment.</summary>
    [Function("Whoami")]
    public static IResult Whoami([HttpTrigger(AuthorizationLevel.Function, "get", Route = "whoami")] HttpRequest request) =>
        TypedResults.Ok(new { processId = Environment.ProcessId, setting = Environment.GetEnvironmentVariable("TestSetting") });

    /// <summary>A route with a constraint and a route value bound by name.</summary>
    [Function("Item")]
    public static IResult Item([HttpTrigger(AuthorizationLevel.Anonymous, "get", "put", Route = "items/{id:int}")] HttpRequest request, string id) =>
        TypedResults.Ok(new { id, method = request.Method });
}
