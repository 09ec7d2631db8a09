using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.DevHost;

/// <summary>
/// Drives every change-feed function of the app (each method with <c>[Function]</c> and a <c>[CosmosDBTrigger]</c>
/// parameter) as the Cosmos DB trigger would, with one SDK ChangeFeedProcessor per function named
/// <c>LeaseContainerPrefix + function name</c> and the settings of its own attribute (database, container, lease
/// container, start from beginning). A batch the function throws on is not checkpointed and is delivered again, like
/// the trigger with a retry policy. The poll delay comes from the <c>ChangeFeedPollDelayMs</c> setting (1 s locally).
/// </summary>
internal sealed class ChangeFeedFunctionHost(CosmosClient client, IConfiguration configuration, IServiceProvider services, ILogger<ChangeFeedFunctionHost> logger)
    : IHostedService, IDisposable
{
    public const string PollDelaySetting = "ChangeFeedPollDelayMs";

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<ChangeFeedProcessor> _processors = [];
    private Task? _starting;

    /// <summary>The app's change-feed functions, found the way the Worker SDK builds <c>functions.metadata</c>.</summary>
    public static IReadOnlyList<(string Name, MethodInfo Method, CosmosDBTriggerAttribute Trigger)> Discover(Assembly assembly) =>
        [.. from type in assembly.GetTypes()
            from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            let function = method.GetCustomAttribute<FunctionAttribute>()
            let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<CosmosDBTriggerAttribute>()).FirstOrDefault(a => a is not null)
            where function is not null && trigger is not null
            orderby function.Name
            select (function.Name, method, trigger)];

    /// <summary>
    /// Starts the processors in the background, retrying while Cosmos DB cannot be reached: like the Functions host,
    /// a trigger listener that cannot start yet does not keep the HTTP functions from serving.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _starting = Task.WhenAll(Discover(typeof(AppSettings).Assembly).Select(f => StartProcessorAsync(f.Name, f.Method, f.Trigger, _stopping.Token)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_starting is not null)
            await _starting;
        foreach (var processor in _processors)
            await processor.StopAsync();
    }

    private async Task StartProcessorAsync(string functionName, MethodInfo method, CosmosDBTriggerAttribute trigger, CancellationToken stopping)
    {
        var pollDelay = TimeSpan.FromMilliseconds(int.TryParse(configuration[PollDelaySetting], CultureInfo.InvariantCulture, out var ms) ? ms
            : trigger.FeedPollDelay > 0 ? trigger.FeedPollDelay : 5000);

        for (var delay = TimeSpan.FromSeconds(1); !stopping.IsCancellationRequested; delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2)))
        {
            try
            {
                var processor = Build(trigger, functionName, method, pollDelay);
                await processor.StartAsync();
                lock (_processors)
                    _processors.Add(processor);
                logger.LogInformation("Change feed drives {Function} (poll every {PollDelay} ms)", functionName, pollDelay.TotalMilliseconds);
                return;
            }
            catch (Exception ex) when (ex is CosmosException or HttpRequestException or InvalidOperationException)
            {
                logger.LogError(ex, "The change feed listener for {Function} could not start; retrying in {Delay}", functionName, delay);
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

    private ChangeFeedProcessor Build(CosmosDBTriggerAttribute trigger, string functionName, MethodInfo method, TimeSpan pollDelay)
    {
        var database = Resolve(trigger.DatabaseName);
        var leases = client.GetContainer(Resolve(trigger.LeaseDatabaseName ?? trigger.DatabaseName), Resolve(trigger.LeaseContainerName ?? "leases"));
        var builder = client.GetContainer(database, Resolve(trigger.ContainerName))
            .GetChangeFeedProcessorBuilder(trigger.LeaseContainerPrefix + functionName, (ChangeFeedProcessorContext context, Stream changes, CancellationToken token) =>
                InvokeAsync(method, changes, token))
            .WithInstanceName($"devhost-{Environment.MachineName}-{Environment.ProcessId}")
            .WithLeaseContainer(leases)
            .WithPollInterval(pollDelay)
            .WithErrorNotification((lease, exception) =>
            {
                logger.LogError(exception, "{Function} failed on lease {Lease}; the batch will be delivered again", functionName, lease);
                return Task.CompletedTask;
            });
        if (trigger.MaxItemsPerInvocation > 0)
            builder = builder.WithMaxItems(trigger.MaxItemsPerInvocation);
        if (trigger.StartFromBeginning)
            builder = builder.WithStartTime(DateTime.MinValue.ToUniversalTime());
        return builder.Build();
    }

    /// <summary>Binds the documents (as <c>IReadOnlyList&lt;JsonElement&gt;</c>) and the cancellation token, like the worker.</summary>
    private async Task InvokeAsync(MethodInfo method, Stream changes, CancellationToken cancellationToken)
    {
        using var body = await JsonDocument.ParseAsync(changes, cancellationToken: cancellationToken);
        IReadOnlyList<JsonElement> documents = [.. body.RootElement.GetProperty("Documents").EnumerateArray().Select(d => d.Clone())];
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance(scope.ServiceProvider, method.DeclaringType!);
        var arguments = method.GetParameters().Select(p => p.ParameterType == typeof(CancellationToken) ? (object)cancellationToken : documents).ToArray();
        try
        {
            await (Task)method.Invoke(function, arguments)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
        }
    }

    /// <summary>Binding expressions name app settings: <c>%Name%</c> → the setting's value.</summary>
    private string Resolve(string value) =>
        value is ['%', .. var name, '%']
            ? configuration[name] ?? throw new InvalidOperationException($"App setting '{name}' is not set.")
            : value;

    public void Dispose() => _stopping.Dispose();
}
