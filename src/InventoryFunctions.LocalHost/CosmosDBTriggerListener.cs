using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.LocalHost.Rpc;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// A <c>cosmosDBTrigger</c> binding run as the Cosmos DB extension (WebJobs extension v4, CosmosDBTriggerListener)
/// runs it: a ChangeFeedProcessor named by <c>leaseContainerPrefix</c> (empty when unset) on the monitored container,
/// leases in <c>leaseContainerName</c> (default <c>leases</c>) of <c>leaseDatabaseName</c> (default the monitored
/// database), the binding's poll delay, max items, start position and lease intervals. Each batch is one invocation
/// whose trigger data is the documents as a JSON array. A failed invocation is retried with the function's retry
/// policy before the batch returns (and is checkpointed); with no policy, or when the retries run out, the failure is
/// logged and the batch checkpoints anyway.
/// </summary>
public sealed class CosmosDBTriggerListener : TriggerListener
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<CosmosClient> _clients = [];
    private readonly TimeSpan? _pollDelay;
    private ChangeFeedProcessor? _processor;

    public CosmosDBTriggerListener(FunctionMetadata function, HostSettings settings, WorkerHost workers, LocalHostOptions options, ILoggerFactory loggers)
        : base(function, settings, workers, options, loggers)
    {
        // The binding's poll delay; LocalHost:FeedPollDelayMs overrides it for tests and benchmarks.
        _pollDelay = settings.PositiveInteger("LocalHost:FeedPollDelayMs") is { } overridden ? TimeSpan.FromMilliseconds(overridden) : Milliseconds("feedPollDelay");
    }

    /// <summary>The processor name the extension uses, which prefixes every lease document: the resolved prefix or "".</summary>
    public string ProcessorName => Optional("leaseContainerPrefix") is { } prefix ? Settings.Resolve(prefix) : string.Empty;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var databaseName = Settings.Resolve(Required("databaseName"));
        var containerName = Settings.Resolve(Required("containerName"));
        var leaseDatabaseName = Optional("leaseDatabaseName") is { } leaseDatabase ? Settings.Resolve(leaseDatabase) : databaseName;
        var leaseContainerName = Optional("leaseContainerName") is { } leaseContainer ? Settings.Resolve(leaseContainer) : "leases";
        var monitoredClient = CreateClient(ConnectionString(Optional("connection"), "CosmosDB"));
        var leaseClient = Optional("leaseConnection") is { } leaseConnection ? CreateClient(ConnectionString(leaseConnection, leaseConnection)) : monitoredClient;

        if (Flag("createLeaseContainerIfNotExists") == true)
        {
            var database = (await leaseClient.CreateDatabaseIfNotExistsAsync(leaseDatabaseName, cancellationToken: cancellationToken)).Database;
            var throughput = Number("leasesContainerThroughput");
            await database.CreateContainerIfNotExistsAsync(new ContainerProperties(leaseContainerName, "/id"), throughput > 0 ? throughput : null, cancellationToken: cancellationToken);
        }

        var builder = monitoredClient.GetContainer(databaseName, containerName)
            .GetChangeFeedProcessorBuilder(ProcessorName, (ChangeFeedProcessorContext context, Stream changes, CancellationToken token) => ProcessChangesAsync(context, changes))
            .WithErrorNotification((leaseToken, exception) =>
            {
                Logger.LogError(exception, "Change feed lease {LeaseToken} of {Function}: {Error}", leaseToken, Function.Name, exception.Message);
                return Task.CompletedTask;
            })
            .WithInstanceName(Guid.NewGuid().ToString())
            .WithLeaseContainer(leaseClient.GetContainer(leaseDatabaseName, leaseContainerName));

        if (Number("maxItemsPerInvocation") is > 0 and var maxItems)
            builder.WithMaxItems(maxItems);
        if (Optional("startFromTime") is { } startFromTime)
        {
            if (Flag("startFromBeginning") == true)
                throw new InvalidOperationException("Only one of StartFromBeginning or StartFromTime can be used");
            builder.WithStartTime(DateTime.Parse(startFromTime, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        }
        else if (Flag("startFromBeginning") == true)
        {
            builder.WithStartTime(DateTime.MinValue.ToUniversalTime());
        }
        if (_pollDelay is { } pollDelay)
            builder.WithPollInterval(pollDelay);
        builder.WithLeaseConfiguration(Milliseconds("leaseAcquireInterval"), Milliseconds("leaseExpirationInterval"), Milliseconds("leaseRenewInterval"));

        _processor = builder.Build();
        await _processor.StartAsync();
        Logger.LogInformation("Cosmos DB trigger {Function} listens to {Database}/{Container} (processor '{Processor}', leases {LeaseDatabase}/{LeaseContainer})",
            Function.Name, databaseName, containerName, ProcessorName, leaseDatabaseName, leaseContainerName);
    }

    public override async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_processor is not null)
        {
            try
            {
                await _processor.StopAsync();
            }
            catch (Exception ex) when (ex is CosmosException or HttpRequestException or ObjectDisposedException)
            {
                Logger.LogWarning("Stopping the change feed processor of {Function}: {Error}", Function.Name, ex.Message);
            }
        }
        foreach (var client in _clients)
            client.Dispose();
        _stopping.Dispose();
    }

    private async Task ProcessChangesAsync(ChangeFeedProcessorContext context, Stream changes)
    {
        string documents;
        using (var page = await JsonDocument.ParseAsync(changes, cancellationToken: _stopping.Token))
            documents = page.RootElement.GetProperty("Documents").GetRawText();

        var retry = Function.Retry;
        for (var attempt = 0; ; attempt++)
        {
            var failure = await InvokeOnceAsync(documents, context.LeaseToken, attempt, retry);
            if (failure is null)
                return;
            if (retry is null || !retry.AllowsRetry(attempt))
            {
                // The extension's behaviour: the failure is reported and the batch is checkpointed.
                Logger.LogError("{Function} failed on a batch of lease {LeaseToken}; {What}: {Error}", Function.Name, context.LeaseToken,
                    retry is null ? "no retry policy, the lease checkpoints past it" : "retries exhausted, the lease checkpoints past it", failure);
                return;
            }
            var delay = retry.DelayBefore(attempt + 1);
            Logger.LogWarning("{Function} failed (attempt {Attempt}); retrying the same batch in {Delay} ms: {Error}", Function.Name, attempt + 1, (int)delay.TotalMilliseconds, failure);
            // A host that is stopping does not checkpoint a batch that did not succeed.
            await Task.Delay(delay, _stopping.Token);
        }
    }

    /// <summary>One invocation; null when it succeeded, else what went wrong.</summary>
    private async Task<string?> InvokeOnceAsync(string documents, string leaseToken, int attempt, RetryPolicy? retry)
    {
        var request = NewInvocation(new TypedData { Json = documents });
        Logger.LogDebug("Executing 'Functions.{Function}' (Reason='New changes on lease {LeaseToken}', Id={InvocationId})", Function.Name, leaseToken, request.InvocationId);
        if (retry is not null)
            request.RetryContext = new RetryContext { RetryCount = attempt, MaxRetryCount = retry.MaxRetryCount };
        return await InvokeAsync(request, _stopping.Token);
    }

    private CosmosClient CreateClient(string connectionString)
    {
        var options = new CosmosClientOptions { ApplicationName = "CosmosDBTriggerFunctions" };
        var endpoint = new DbConnectionStringBuilder { ConnectionString = connectionString }.TryGetValue("AccountEndpoint", out var value) ? value?.ToString() : null;
        if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host == "localhost"))
        {
            // Emulators serve the gateway only, on the address they were given.
            options.ConnectionMode = ConnectionMode.Gateway;
            options.LimitToEndpoint = true;
        }
        var client = new CosmosClient(connectionString, options);
        _clients.Add(client);
        return client;
    }

    private TimeSpan? Milliseconds(string name) => Number(name) is > 0 and var ms ? TimeSpan.FromMilliseconds(ms) : null;
}
