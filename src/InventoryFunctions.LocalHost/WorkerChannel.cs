using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using InventoryFunctions.LocalHost.Rpc;
using MessageType = InventoryFunctions.LocalHost.Rpc.StreamingMessage.ContentOneofCase;

namespace InventoryFunctions.LocalHost;

/// <summary>The worker is gone (exited, crashed, or its stream closed): what was sent to it will not be answered.</summary>
public sealed class WorkerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The host's side of one worker's <c>EventStream</c>: requests go out through <see cref="Outbound"/>, answers are
/// matched to their request (init and metadata by type, loads by function id, invocations by invocation id), and
/// <c>RpcLog</c> messages are written to the host's log under the worker's category and level.
/// </summary>
public sealed class WorkerChannel
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new();
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILoggerFactory _loggers;
    private volatile Exception? _closed;

    public WorkerChannel(string workerId, ILoggerFactory loggers)
    {
        WorkerId = workerId;
        _loggers = loggers;
    }

    public string WorkerId { get; }

    public ChannelReader<StreamingMessage> Outbound => _outbound.Reader;

    /// <summary>Completes when the worker has opened its stream (StartStream).</summary>
    public Task Connected => _connected.Task;

    /// <summary>Invocation id → function name, so a worker log line can name its function.</summary>
    private readonly ConcurrentDictionary<string, string> _invocationFunctions = new();

    public void OnStreamStarted() => _connected.TrySetResult();

    public void OnMessage(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case MessageType.RpcLog:
                Log(message.RpcLog);
                break;
            case MessageType.WorkerInitResponse:
                Complete("init", message);
                break;
            case MessageType.FunctionMetadataResponse:
                Complete("metadata", message);
                break;
            case MessageType.FunctionLoadResponse:
                Complete("load:" + message.FunctionLoadResponse.FunctionId, message);
                break;
            case MessageType.InvocationResponse:
                Complete("invocation:" + message.InvocationResponse.InvocationId, message);
                break;
            default:
                _loggers.CreateLogger("Host.Worker").LogDebug("Ignoring {MessageType} from worker {WorkerId}", message.ContentCase, WorkerId);
                break;
        }
    }

    /// <summary>Fails every request still waiting for an answer; later requests fail at once.</summary>
    public void Close(Exception reason)
    {
        _closed ??= reason;
        _connected.TrySetException(reason);
        _outbound.Writer.TryComplete();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var waiting))
                waiting.TrySetException(reason);
        }
    }

    public async Task<WorkerInitResponse> InitAsync(string scriptRoot, CancellationToken cancellationToken)
    {
        var request = new WorkerInitRequest
        {
            HostVersion = "4.0.0-local",
            WorkerDirectory = scriptRoot,
            FunctionAppDirectory = scriptRoot,
        };
        return (await RequestAsync("init", new StreamingMessage { WorkerInitRequest = request }, cancellationToken)).WorkerInitResponse;
    }

    public async Task<FunctionMetadataResponse> GetFunctionMetadataAsync(string scriptRoot, CancellationToken cancellationToken) =>
        (await RequestAsync("metadata", new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = scriptRoot } }, cancellationToken))
        .FunctionMetadataResponse;

    public async Task<FunctionLoadResponse> LoadAsync(FunctionMetadata function, string scriptRoot, CancellationToken cancellationToken) =>
        (await RequestAsync("load:" + function.FunctionId,
            new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function.ToLoadMetadata(scriptRoot) } },
            cancellationToken)).FunctionLoadResponse;

    /// <summary>Sends the invocation and waits for the worker's answer; throws <see cref="WorkerUnavailableException"/> if the worker goes away first.</summary>
    public async Task<InvocationResponse> InvokeAsync(string functionName, InvocationRequest request, CancellationToken cancellationToken)
    {
        _invocationFunctions[request.InvocationId] = functionName;
        try
        {
            return (await RequestAsync("invocation:" + request.InvocationId, new StreamingMessage { InvocationRequest = request }, cancellationToken)).InvocationResponse;
        }
        finally
        {
            _invocationFunctions.TryRemove(request.InvocationId, out _);
        }
    }

    /// <summary>Asks the worker to shut down (it has <paramref name="gracePeriod"/> before the host kills it).</summary>
    public void Terminate(TimeSpan gracePeriod) =>
        _outbound.Writer.TryWrite(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });

    private async Task<StreamingMessage> RequestAsync(string key, StreamingMessage message, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, answer))
            throw new InvalidOperationException($"A request '{key}' is already waiting for the worker.");
        try
        {
            if (_closed is { } closed)
                throw new WorkerUnavailableException("The worker is not running.", closed);
            message.RequestId = Guid.NewGuid().ToString();
            if (!_outbound.Writer.TryWrite(message))
                throw new WorkerUnavailableException("The worker's stream is closed.", _closed);
            using var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
            return await answer.Task;
        }
        catch (Exception ex) when (ex is not WorkerUnavailableException and not OperationCanceledException)
        {
            throw new WorkerUnavailableException("The worker went away before answering.", ex);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    private void Complete(string key, StreamingMessage message)
    {
        if (_pending.TryGetValue(key, out var waiting))
            waiting.TrySetResult(message);
    }

    private void Log(RpcLog log)
    {
        // Function logs carry the invocation id: the real host writes them under "Function.<name>" (its user category).
        var category = _invocationFunctions.TryGetValue(log.InvocationId, out var function) && log.LogCategory == RpcLog.Types.RpcLogCategory.User
            ? $"Function.{function}.User"
            : string.IsNullOrEmpty(log.Category) ? "Host.Function.Console" : log.Category;
        var level = log.Level == RpcLog.Types.Level.None ? LogLevel.None : (LogLevel)(int)log.Level;
        var logger = _loggers.CreateLogger(category);
        if (!logger.IsEnabled(level))
            return;
        if (log.Exception is { } exception)
            logger.Log(level, "{Message} ({Category}) {ExceptionMessage}\n{StackTrace}", log.Message, log.Category, exception.Message, exception.StackTrace);
        else
            logger.Log(level, "{Message} ({Category})", log.Message, log.Category);
    }
}
