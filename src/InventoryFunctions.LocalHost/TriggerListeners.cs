using System.Text.Json.Nodes;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// Once the first worker has loaded its functions: maps the HTTP triggers and starts a listener per Cosmos DB trigger,
/// per Storage queue trigger and per timer trigger.
/// A listener that cannot start yet (Cosmos DB not reachable, lease container missing) retries in the background and
/// does not keep the HTTP functions from serving, as on the Functions host.
/// </summary>
public sealed class TriggerListeners(
    WorkerHost workers,
    HttpTriggerRoutes routes,
    HttpTriggerInvoker invoker,
    HostSettings settings,
    LocalHostOptions options,
    ILoggerFactory loggers) : IHostedLifecycleService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger("Host.Triggers");
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<CosmosDBTriggerListener> _listeners = [];
    private readonly List<QueueTriggerListener> _queueListeners = [];
    private readonly List<TimerTriggerListener> _timers = [];
    private Task _starting = Task.CompletedTask;

    public IReadOnlyList<CosmosDBTriggerListener> CosmosDBListeners => _listeners;

    public IReadOnlyList<QueueTriggerListener> QueueListeners => _queueListeners;

    public IReadOnlyList<TimerTriggerListener> TimerListeners => _timers;

    /// <summary>Completes once every trigger listener has started (its change feed processor runs).</summary>
    public Task Started => _started.Task;

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<FunctionMetadata> functions;
        try
        {
            functions = await workers.FunctionsLoaded.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        foreach (var disabled in functions.Where(IsDisabled))
            _logger.LogInformation("Function {Function} is disabled (AzureWebJobs.{Function}.Disabled): its trigger does not run", disabled.Name, disabled.Name);
        functions = [.. functions.Where(f => !IsDisabled(f))];
        routes.Load(functions, RoutePrefix(), invoker.InvokeAsync);
        foreach (var function in functions.Where(f => string.Equals(f.TriggerType, "cosmosDBTrigger", StringComparison.OrdinalIgnoreCase)))
            _listeners.Add(new CosmosDBTriggerListener(function, settings, workers, options, loggers));
        foreach (var function in functions.Where(QueueTriggerListener.Handles))
            _queueListeners.Add(new QueueTriggerListener(function, settings, workers, options, loggers));
        foreach (var function in functions.Where(f => string.Equals(f.TriggerType, "timerTrigger", StringComparison.OrdinalIgnoreCase)))
            _timers.AddRange(TimerTriggerListener.TryCreate(function, settings, workers, options, loggers) is { } timer ? [timer] : []);
        foreach (var other in functions.Where(f => !f.IsHttpTrigger && f.TriggerType?.ToLowerInvariant() is not ("cosmosdbtrigger" or "timertrigger") && !QueueTriggerListener.Handles(f)))
            _logger.LogWarning("{Function}: the local host does not run {Trigger} triggers", other.Name, other.TriggerType);
        foreach (var timer in _timers)
            await timer.StartAsync(cancellationToken);
        _starting = Task.WhenAll(_listeners.Concat<TriggerListener>(_queueListeners).Select(l => StartWithRetriesAsync(l.StartAsync, _stopping.Token)))
            .ContinueWith(_ => _started.TrySetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _starting;
        await Task.WhenAll(_listeners.Concat<TriggerListener>(_queueListeners).Concat(_timers).Select(l => l.DisposeAsync().AsTask()));
        _listeners.Clear();
        _queueListeners.Clear();
        _timers.Clear();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task StartWithRetriesAsync(Func<CancellationToken, Task> start, CancellationToken stopping)
    {
        for (var delay = TimeSpan.FromSeconds(1); !stopping.IsCancellationRequested; delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2)))
        {
            try
            {
                await start(stopping);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError("A trigger listener could not start; retrying in {Delay}: {Error}", delay, ex.Message);
            }
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

    /// <summary>The host's switch for one function: the app setting <c>AzureWebJobs.&lt;name&gt;.Disabled</c> = true or 1.</summary>
    private bool IsDisabled(FunctionMetadata function) =>
        settings[$"AzureWebJobs.{function.Name}.Disabled"] is { } value && (value == "1" || bool.TryParse(value, out var disabled) && disabled);

    /// <summary><c>extensions.http.routePrefix</c> of host.json; "api" by default.</summary>
    private string RoutePrefix()
    {
        var hostJson = Path.Combine(options.ScriptRoot, "host.json");
        if (File.Exists(hostJson) && JsonNode.Parse(File.ReadAllText(hostJson), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })?["extensions"]?["http"]?["routePrefix"] is JsonValue prefix)
            return ((string)prefix!).Trim('/');
        return "api";
    }
}
