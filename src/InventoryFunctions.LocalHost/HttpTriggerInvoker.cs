using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// Serves one HTTP-triggered invocation the way the Functions host does with a worker that uses the ASP.NET Core
/// integration (it reports the <c>HttpUri</c> capability): an InvocationRequest goes over gRPC, and the request
/// itself is forwarded to the worker's own Kestrel with the invocation id in <c>x-ms-invocation-id</c>, which is how
/// the worker pairs the two. The worker's response is passed back once the invocation has succeeded; a failed
/// invocation answers 500 (empty, as the host), a worker that goes away answers 503.
/// </summary>
public sealed class HttpTriggerInvoker(WorkerHost workers, LocalHostOptions options, ILoggerFactory loggers)
{
    private const string InvocationIdHeader = "x-ms-invocation-id";

    // Hop-by-hop headers (RFC 9110 §7.6.1) and the ones HttpClient sets itself.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", InvocationIdHeader,
    };

    public async Task InvokeAsync(HttpContext context)
    {
        var function = context.GetEndpoint()!.Metadata.GetMetadata<FunctionMetadata>()!;
        var logger = loggers.CreateLogger($"Function.{function.Name}");
        ReadyWorker worker;
        try
        {
            worker = await workers.GetReadyWorkerAsync(options.WorkerReadyTimeout, context.RequestAborted);
        }
        catch (WorkerUnavailableException ex)
        {
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The function worker is not running", ex.Message, TimeSpan.FromSeconds(5));
            return;
        }
        if (worker.HttpUri is null)
        {
            await Problems.WriteAsync(context, StatusCodes.Status501NotImplemented, "HTTP triggers need the ASP.NET Core integration",
                "The worker did not report the HttpUri capability (ConfigureFunctionsWebApplication); the local host forwards HTTP requests only to it.");
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        var started = Stopwatch.GetTimestamp();
        logger.LogDebug("Executing 'Functions.{Function}' (Reason='This function was programmatically called via the host APIs.', Id={InvocationId})", function.Name, invocationId);

        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var invocation = worker.Channel.InvokeAsync(function.Name, BuildInvocationRequest(function, invocationId, context), CancellationToken.None);
        var forwarded = ForwardAsync(worker, context, invocationId, forwarding.Token);
        try
        {
            // The client gets the worker's response only once the invocation has succeeded: a function that throws
            // answers 500 whatever the worker's HTTP side wrote (it may never answer at all). The body is read
            // meanwhile, so a worker writing a large body is never blocked waiting for the host.
            var first = await Task.WhenAny(invocation, forwarded);
            if (first == invocation && !IsSuccess(invocation))
            {
                await forwarding.CancelAsync();
                await ObserveAsync(forwarded);
                await AnswerFailureAsync(context, function, invocationId, invocation, logger, started);
                return;
            }

            var response = await forwarded;
            var result = await invocation;
            if (!IsSuccess(invocation))
            {
                await AnswerFailureAsync(context, function, invocationId, invocation, logger, started);
                return;
            }
            await WriteResponseAsync(response, context);
            LogExecuted(logger, function, invocationId, result, started);
        }
        catch (Exception ex) when (ex is WorkerUnavailableException or HttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            await forwarding.CancelAsync();
            await ObserveAsync(forwarded);
            await ObserveAsync(invocation);
            if (invocation.IsCompletedSuccessfully && !IsSuccess(invocation))
            {
                await AnswerFailureAsync(context, function, invocationId, invocation, logger, started);
                return;
            }
            logger.LogError("Executed 'Functions.{Function}' (Failed, Id={InvocationId}): the worker went away ({Reason})", function.Name, invocationId, ex.Message);
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The function worker is unavailable",
                $"The worker stopped while running {function.Name}; a new worker is starting. Retry the request.", TimeSpan.FromSeconds(1));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static InvocationRequest BuildInvocationRequest(FunctionMetadata function, string invocationId, HttpContext context)
    {
        var request = context.Request;
        var http = new RpcHttp { Method = request.Method, Url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}" };
        foreach (var header in request.Headers)
            http.Headers[header.Key.ToLowerInvariant()] = header.Value.ToString();
        foreach (var query in request.Query)
            http.Query[query.Key] = query.Value.ToString();
        var invocation = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = Activity.Current?.Id ?? "", TraceState = Activity.Current?.TraceStateString ?? "" },
        };
        var triggerName = (string)function.Trigger!["name"]!;
        invocation.InputData.Add(new ParameterBinding { Name = triggerName, Data = new TypedData { Http = http } });
        // Route values bind to function parameters by name (string inventoryId), as the host's binding data.
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is not null)
            {
                var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
                http.Params[name] = text;
                invocation.TriggerMetadata[name] = new TypedData { String = text };
            }
        }
        invocation.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(request.Query.ToDictionary(q => q.Key, q => q.Value.ToString())) };
        invocation.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())) };
        return invocation;
    }

    /// <summary>The worker's answer, read whole.</summary>
    private sealed record ForwardedResponse(int Status, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body);

    private static async Task<ForwardedResponse> ForwardAsync(ReadyWorker worker, HttpContext context, string invocationId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(worker, context, invocationId, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !NotForwarded.Contains(h.Key))
            .Select(h => KeyValuePair.Create(h.Key, h.Value.ToArray()))
            .ToList();
        return new ForwardedResponse((int)response.StatusCode, headers, body);
    }

    private static async Task<HttpResponseMessage> SendAsync(ReadyWorker worker, HttpContext context, string invocationId, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var target = new Uri(worker.HttpUri!, $"{request.PathBase}{request.Path}{request.QueryString}");
        // The worker's Kestrel may still be binding right after it loaded; the host retries refused connections.
        for (var attempt = 1; ; attempt++)
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
            // A declared body (even an empty one) keeps its content headers: the function may check Content-Type.
            if (request.ContentLength == 0)
                message.Content = new ByteArrayContent([]);
            else if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
                message.Content = new StreamContent(request.Body);
            foreach (var header in request.Headers)
            {
                if (NotForwarded.Contains(header.Key))
                    continue;
                if (!message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value) && message.Content is not null)
                    message.Content.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
            message.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
            message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
            message.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
            if (context.Connection.RemoteIpAddress is { } client)
                message.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ToString());
            try
            {
                return await worker.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } && attempt < 10)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
            }
        }
    }

    private static async Task WriteResponseAsync(ForwardedResponse response, HttpContext context)
    {
        context.Response.StatusCode = response.Status;
        foreach (var (name, values) in response.Headers)
            context.Response.Headers[name] = values;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
    }

    private static async Task AnswerFailureAsync(HttpContext context, FunctionMetadata function, string invocationId, Task<InvocationResponse> invocation, ILogger logger, long started)
    {
        LogExecuted(logger, function, invocationId, await invocation, started);
        // The Functions host answers an unhandled function exception with an empty 500.
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }

    private static void LogExecuted(ILogger logger, FunctionMetadata function, string invocationId, InvocationResponse result, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Result?.Status == StatusResult.Types.Status.Success)
            logger.LogDebug("Executed 'Functions.{Function}' (Succeeded, Id={InvocationId}, Duration={Duration:0}ms)", function.Name, invocationId, elapsed);
        else
            logger.LogError("Executed 'Functions.{Function}' (Failed, Id={InvocationId}, Duration={Duration:0}ms) {Error}\n{StackTrace}",
                function.Name, invocationId, elapsed, result.Result?.Exception?.Message, result.Result?.Exception?.StackTrace);
    }

    private static bool IsSuccess(Task<InvocationResponse> invocation) =>
        invocation.IsCompletedSuccessfully && invocation.Result.Result?.Status == StatusResult.Types.Status.Success;

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Observed: the caller answers from the other task.
        }
    }
}
