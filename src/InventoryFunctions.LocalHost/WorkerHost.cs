using System.Text.Json.Nodes;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>A worker that has initialized and loaded its functions, ready for invocations.</summary>
public sealed record ReadyWorker(WorkerChannel Channel, WorkerProcess Process, Uri? HttpUri, IReadOnlyList<FunctionMetadata> Functions, HttpClient Http);

/// <summary>
/// Keeps one worker running, as the Functions host does: start the process, wait for its stream, WorkerInitRequest,
/// function metadata (the worker's indexing, or functions.metadata when it asks for host indexing), one
/// FunctionLoadRequest per function. When the process exits, everything in flight fails and a new worker is started.
/// </summary>
public sealed class WorkerHost(
    LocalHostOptions options,
    HostSettings settings,
    WorkerChannelRegistry registry,
    RpcEndpoint rpcEndpoint,
    ILoggerFactory loggers) : IHostedLifecycleService, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger("Host.Worker");
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<IReadOnlyList<FunctionMetadata>> _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<ReadyWorker> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _supervising;
    private ReadyWorker? _current;

    /// <summary>The functions of the first worker that loaded them (routes and triggers are set up once, from these).</summary>
    public Task<IReadOnlyList<FunctionMetadata>> FunctionsLoaded => _firstLoad.Task;

    /// <summary>Process id of the running worker, if any (tests kill it).</summary>
    public int? WorkerProcessId => _current?.Process.ProcessId;

    /// <summary>Waits until a worker is ready; throws <see cref="WorkerUnavailableException"/> after <paramref name="timeout"/>.</summary>
    public async Task<ReadyWorker> GetReadyWorkerAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ready = Volatile.Read(ref _ready).Task;
        try
        {
            return await ready.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new WorkerUnavailableException($"No worker became ready within {timeout.TotalSeconds:0} s.", ex);
        }
    }

    /// <summary>
    /// Replaces the running worker with a fresh one (WorkerTerminate, then a new process) and waits until it is ready:
    /// what a restarted instance looks like, with nothing cached in memory.
    /// </summary>
    public async Task RestartWorkerAsync(CancellationToken cancellationToken = default)
    {
        var old = await GetReadyWorkerAsync(options.WorkerStartTimeout, cancellationToken);
        old.Channel.Terminate(options.WorkerTerminateGracePeriod);
        await Task.WhenAny(old.Process.Exited, Task.Delay(options.WorkerTerminateGracePeriod, cancellationToken));
        old.Process.Kill();
        await old.Process.Exited.WaitAsync(cancellationToken);
        while (true)
        {
            var next = await GetReadyWorkerAsync(options.WorkerStartTimeout, cancellationToken);
            if (next.Process.ProcessId != old.Process.ProcessId)
                return;
            await Task.Delay(20, cancellationToken);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After Kestrel listens (the worker must reach the gRPC endpoint): start the first worker and wait for its functions.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        _supervising = SuperviseAsync(_stopping.Token);
        try
        {
            await Task.WhenAny(_firstLoad.Task, _supervising).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while the first worker was starting (Ctrl+C): stop supervising, quietly.
            await _stopping.CancelAsync();
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_current is { } worker)
        {
            worker.Channel.Terminate(options.WorkerTerminateGracePeriod);
            await Task.WhenAny(worker.Process.Exited, Task.Delay(options.WorkerTerminateGracePeriod, cancellationToken));
            worker.Process.Kill();
        }
        if (_supervising is not null)
            await _supervising;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var failuresInARow = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // A worker that got ready and later exited is replaced at once; one that cannot start backs off.
                failuresInARow = await RunOneWorkerAsync(stopping) ? 0 : failuresInARow + 1;
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failuresInARow++;
                _logger.LogError(ex, "The worker failed to start: {Reason}", ex.Message);
            }
            if (failuresInARow == 0)
                continue;
            var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, failuresInARow - 1)));
            _logger.LogWarning("Starting a new worker in {Delay} ms", delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs one worker until it exits; true when it got ready (and served) before exiting.</summary>
    private async Task<bool> RunOneWorkerAsync(CancellationToken stopping)
    {
        var workerLogger = loggers.CreateLogger("Host.Worker.Process");
        using var process = WorkerProcess.Start(options.ScriptRoot, WorkerAssembly(), rpcEndpoint.Uri, settings, workerLogger);
        var channel = new WorkerChannel(process.WorkerId, loggers);
        registry.Add(channel);
        _logger.LogInformation("Started worker process {ProcessId} (worker id {WorkerId})", process.ProcessId, process.WorkerId);
        var exited = process.Exited.ContinueWith(
            t => channel.Close(new WorkerUnavailableException($"The worker process {process.ProcessId} exited with code {t.Result}.")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            using var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            startTimeout.CancelAfter(options.WorkerStartTimeout);
            var ready = await InitializeAsync(channel, process, startTimeout.Token);
            _current = ready;
            _firstLoad.TrySetResult(ready.Functions);
            Volatile.Read(ref _ready).TrySetResult(ready);
            _logger.LogInformation("Worker {ProcessId} is ready: {Count} functions loaded", process.ProcessId, ready.Functions.Count);

            var code = await process.Exited.WaitAsync(stopping);
            _logger.LogError("The worker process {ProcessId} exited with code {ExitCode}; requests in flight fail and a new worker starts", process.ProcessId, code);
            return true;
        }
        finally
        {
            // Requests from now on wait for the next worker; the ones in flight fail with the channel.
            if (Volatile.Read(ref _ready).Task.IsCompleted)
                Volatile.Write(ref _ready, new TaskCompletionSource<ReadyWorker>(TaskCreationOptions.RunContinuationsAsynchronously));
            channel.Close(new WorkerUnavailableException($"The worker process {process.ProcessId} is gone."));
            registry.Remove(channel);
            _current?.Http.Dispose();
            _current = null;
            process.Kill();
            await exited;
        }
    }

    private async Task<ReadyWorker> InitializeAsync(WorkerChannel channel, WorkerProcess process, CancellationToken cancellationToken)
    {
        await Task.WhenAny(channel.Connected, process.Exited).Unwrap().WaitAsync(cancellationToken);
        if (!channel.Connected.IsCompletedSuccessfully)
            throw new WorkerUnavailableException($"The worker process exited with code {process.Exited.Result} before connecting.");

        var init = await channel.InitAsync(options.ScriptRoot, cancellationToken);
        EnsureSuccess(init.Result, "WorkerInitRequest");
        var httpUri = init.Capabilities.TryGetValue("HttpUri", out var uri) && Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ? parsed : null;
        _logger.LogDebug("Worker capabilities: {Capabilities}", string.Join(", ", init.Capabilities.Select(c => $"{c.Key}={c.Value}")));

        var functions = await IndexAsync(channel, cancellationToken);
        foreach (var function in functions)
        {
            var load = await channel.LoadAsync(function, options.ScriptRoot, cancellationToken);
            EnsureSuccess(load.Result, $"FunctionLoadRequest for {function.Name}");
        }
        var http = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            UseProxy = false,
            // Header values pass through as the client sent them (Kestrel decoded them as UTF-8); the worker judges them.
            RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        return new ReadyWorker(channel, process, httpUri, functions, http);
    }

    private async Task<IReadOnlyList<FunctionMetadata>> IndexAsync(WorkerChannel channel, CancellationToken cancellationToken)
    {
        var response = await channel.GetFunctionMetadataAsync(options.ScriptRoot, cancellationToken);
        if (response.UseDefaultMetadataIndexing)
        {
            _logger.LogInformation("The worker asks for host indexing: reading functions.metadata");
            return FunctionMetadata.ReadFile(Path.Combine(options.ScriptRoot, "functions.metadata"));
        }
        EnsureSuccess(response.Result, "FunctionsMetadataRequest");
        foreach (var failed in response.FunctionMetadataResults.Where(f => f.Status is { Status: StatusResult.Types.Status.Failure }))
            _logger.LogError("The worker could not index {Function}: {Error}", failed.Name, failed.Status.Exception?.Message);
        return [.. response.FunctionMetadataResults.Where(f => f.Status is not { Status: StatusResult.Types.Status.Failure }).Select(FunctionMetadata.FromRpc)];
    }

    private string WorkerAssembly()
    {
        if (options.WorkerAssembly is { } configured)
            return configured;
        var config = Path.Combine(options.ScriptRoot, "worker.config.json");
        if (File.Exists(config) && JsonNode.Parse(File.ReadAllText(config))?["description"]?["defaultWorkerPath"] is JsonValue path)
            return (string)path!;
        throw new InvalidOperationException($"No worker.config.json in {options.ScriptRoot}: is it the build output of an isolated worker app?");
    }

    private static void EnsureSuccess(StatusResult? result, string what)
    {
        if (result is { Status: not StatusResult.Types.Status.Success })
            throw new InvalidOperationException($"{what} failed: {result.Exception?.Message ?? result.Result}");
    }

    public void Dispose() => _stopping.Dispose();
}

/// <summary>The gRPC endpoint the workers dial: Kestrel's loopback HTTP/2 listener, known once it is bound.</summary>
public sealed class RpcEndpoint
{
    public Func<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions?> Listener { get; set; } = () => null;

    public Uri Uri => Listener()?.IPEndPoint is { Port: > 0 } bound
        ? new Uri($"http://127.0.0.1:{bound.Port}/")
        : throw new InvalidOperationException("Kestrel has not bound the gRPC endpoint yet.");
}
