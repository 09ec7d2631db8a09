using System.Globalization;
using System.Reflection;
using System.Text.Json;
using InventoryFunctions.Functions;
using Microsoft.Azure.Cosmos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.DevHost;

/// <summary>
/// Drives the app's change-feed function as the Cosmos DB trigger would, with the SDK's ChangeFeedProcessor and the
/// settings of the function's own <c>[CosmosDBTrigger]</c> (database, container, lease container, start from
/// beginning). A batch the function throws on is not checkpointed and is delivered again, like the trigger with
/// a retry policy. The poll delay comes from the <c>ChangeFeedPollDelayMs</c> setting (1 s locally).
/// </summary>
internal sealed class ChangeFeedFunctionHost(CosmosClient client, IConfiguration configuration, IServiceProvider services, ILogger<ChangeFeedFunctionHost> logger)
    : IHostedService, IDisposable
{
    public const string PollDelaySetting = "ChangeFeedPollDelayMs";

    private readonly CancellationTokenSource _stopping = new();
    private ChangeFeedProcessor? _processor;
    private Task? _starting;

    /// <summary>
    /// Starts the processor in the background, retrying while Cosmos DB cannot be reached: like the Functions host,
    /// a trigger listener that cannot start yet does not keep the HTTP functions from serving.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _starting = StartProcessorAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_starting is not null)
            await _starting;
        if (_processor is not null)
            await _processor.StopAsync();
    }

    private async Task StartProcessorAsync(CancellationToken stopping)
    {
        var method = typeof(ProjectInventoryFunction).GetMethod(nameof(ProjectInventoryFunction.ProjectInventory))!;
        var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<CosmosDBTriggerAttribute>()).Single(a => a is not null)!;
        var functionName = method.GetCustomAttribute<FunctionAttribute>()!.Name;
        var pollDelay = TimeSpan.FromMilliseconds(int.TryParse(configuration[PollDelaySetting], CultureInfo.InvariantCulture, out var ms) ? ms
            : trigger.FeedPollDelay > 0 ? trigger.FeedPollDelay : 5000);

        for (var delay = TimeSpan.FromSeconds(1); !stopping.IsCancellationRequested; delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2)))
        {
            try
            {
                var processor = Build(trigger, functionName, pollDelay);
                await processor.StartAsync();
                _processor = processor;
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

    private ChangeFeedProcessor Build(CosmosDBTriggerAttribute trigger, string functionName, TimeSpan pollDelay)
    {
        var database = Resolve(trigger.DatabaseName);
        var leases = client.GetContainer(Resolve(trigger.LeaseDatabaseName ?? trigger.DatabaseName), Resolve(trigger.LeaseContainerName ?? "leases"));
        // The processor name is the lease prefix alone, empty when unset: what the Cosmos DB extension uses.
        var builder = client.GetContainer(database, Resolve(trigger.ContainerName))
            .GetChangeFeedProcessorBuilder(trigger.LeaseContainerPrefix ?? string.Empty, (ChangeFeedProcessorContext context, Stream changes, CancellationToken token) =>
                InvokeAsync(changes, token))
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

    private async Task InvokeAsync(Stream changes, CancellationToken cancellationToken)
    {
        using var body = await JsonDocument.ParseAsync(changes, cancellationToken: cancellationToken);
        var documents = body.RootElement.GetProperty("Documents").EnumerateArray().Select(d => d.Clone()).ToList();
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<ProjectInventoryFunction>(scope.ServiceProvider);
        await function.ProjectInventory(documents, cancellationToken);
    }

    /// <summary>Binding expressions name app settings: <c>%Name%</c> → the setting's value.</summary>
    private string Resolve(string value) =>
        value is ['%', .. var name, '%']
            ? configuration[name] ?? throw new InvalidOperationException($"App setting '{name}' is not set.")
            : value;

    public void Dispose() => _stopping.Dispose();
}
