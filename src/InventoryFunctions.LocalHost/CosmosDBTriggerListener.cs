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
public sealed class CosmosDBTriggerListener : IAsyncDisposable
{
    private readonly FunctionMetadata _function;
    private readonly JsonObject _binding;
    private readonly HostSettings _settings;
    private readonly WorkerHost _workers;
    private readonly LocalHostOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<CosmosClient> _clients = [];
    private ChangeFeedProcessor? _processor;

    public CosmosDBTriggerListener(FunctionMetadata function, HostSettings settings, WorkerHost workers, LocalHostOptions options, ILoggerFactory loggers)
    {
        _function = function;
        _binding = function.Trigger!;
        _settings = settings;
        _workers = workers;
        _options = options;
        _logger = loggers.CreateLogger($"Function.{function.Name}");
    }

    /// <summary>The processor name the extension uses, which prefixes every lease document: the resolved prefix or "".</summary>
    public string ProcessorName => Optional("leaseContainerPrefix") is { } prefix ? _settings.Resolve(prefix) : string.Empty;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var databaseName = _settings.Resolve(Required("databaseName"));
        var containerName = _settings.Resolve(Required("containerName"));
        var leaseDatabaseName = Optional("leaseDatabaseName") is { } leaseDatabase ? _settings.Resolve(leaseDatabase) : databaseName;
        var leaseContainerName = Optional("leaseContainerName") is { } leaseContainer ? _settings.Resolve(leaseContainer) : "leases";
        var connection = Optional("connection") ?? "CosmosDB";
        var monitoredClient = CreateClient(connection);
        var leaseClient = Optional("leaseConnection") is { } leaseConnection ? CreateClient(leaseConnection) : monitoredClient;

        if (Flag("createLeaseContainerIfNotExists"))
        {
            var database = (await leaseClient.CreateDatabaseIfNotExistsAsync(leaseDatabaseName, cancellationToken: cancellationToken)).Database;
            var throughput = Number("leasesContainerThroughput");
            await database.CreateContainerIfNotExistsAsync(new ContainerProperties(leaseContainerName, "/id"), throughput > 0 ? throughput : null, cancellationToken: cancellationToken);
        }

        var builder = monitoredClient.GetContainer(databaseName, containerName)
            .GetChangeFeedProcessorBuilder(ProcessorName, (ChangeFeedProcessorContext context, Stream changes, CancellationToken token) => ProcessChangesAsync(context, changes))
            .WithErrorNotification((leaseToken, exception) =>
            {
                _logger.LogError(exception, "Change feed lease {LeaseToken} of {Function}: {Error}", leaseToken, _function.Name, exception.Message);
                return Task.CompletedTask;
            })
            .WithInstanceName(Guid.NewGuid().ToString())
            .WithLeaseContainer(leaseClient.GetContainer(leaseDatabaseName, leaseContainerName));

        if (Number("maxItemsPerInvocation") is > 0 and var maxItems)
            builder.WithMaxItems(maxItems);
        if (Optional("startFromTime") is { } startFromTime)
        {
            if (Flag("startFromBeginning"))
                throw new InvalidOperationException("Only one of StartFromBeginning or StartFromTime can be used");
            builder.WithStartTime(DateTime.Parse(startFromTime, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        }
        else if (Flag("startFromBeginning"))
        {
            builder.WithStartTime(DateTime.MinValue.ToUniversalTime());
        }
        if (PollDelay() is { } pollDelay)
            builder.WithPollInterval(pollDelay);
        builder.WithLeaseConfiguration(Milliseconds("leaseAcquireInterval"), Milliseconds("leaseExpirationInterval"), Milliseconds("leaseRenewInterval"));

        _processor = builder.Build();
        await _processor.StartAsync();
        _logger.LogInformation("Cosmos DB trigger {Function} listens to {Database}/{Container} (processor '{Processor}', leases {LeaseDatabase}/{LeaseContainer})",
            _function.Name, databaseName, containerName, ProcessorName, leaseDatabaseName, leaseContainerName);
    }

    public async ValueTask DisposeAsync()
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
                _logger.LogWarning("Stopping the change feed processor of {Function}: {Error}", _function.Name, ex.Message);
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

        var retry = _function.Retry;
        for (var attempt = 0; ; attempt++)
        {
            var failure = await InvokeOnceAsync(documents, context.LeaseToken, attempt, retry);
            if (failure is null)
                return;
            if (retry is null || !retry.AllowsRetry(attempt))
            {
                // The extension's behaviour: the failure is reported and the batch is checkpointed.
                _logger.LogError("{Function} failed on a batch of lease {LeaseToken}; {What}: {Error}", _function.Name, context.LeaseToken,
                    retry is null ? "no retry policy, the lease checkpoints past it" : "retries exhausted, the lease checkpoints past it", failure);
                return;
            }
            var delay = retry.DelayBefore(attempt + 1);
            _logger.LogWarning("{Function} failed (attempt {Attempt}); retrying the same batch in {Delay} ms: {Error}", _function.Name, attempt + 1, (int)delay.TotalMilliseconds, failure);
            // A host that is stopping does not checkpoint a batch that did not succeed.
            await Task.Delay(delay, _stopping.Token);
        }
    }

    /// <summary>One invocation; null when it succeeded, else what went wrong.</summary>
    private async Task<string?> InvokeOnceAsync(string documents, string leaseToken, int attempt, RetryPolicy? retry)
    {
        var invocationId = Guid.NewGuid().ToString();
        _logger.LogDebug("Executing 'Functions.{Function}' (Reason='New changes on lease {LeaseToken}', Id={InvocationId})", _function.Name, leaseToken, invocationId);
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = _function.FunctionId,
            TraceContext = new RpcTraceContext(),
        };
        request.InputData.Add(new ParameterBinding { Name = (string)_binding["name"]!, Data = new TypedData { Json = documents } });
        if (retry is not null)
            request.RetryContext = new RetryContext { RetryCount = attempt, MaxRetryCount = retry.MaxRetryCount };
        return await TriggerInvocation.InvokeAsync(_workers, _options, _logger, _function.Name, request, _stopping.Token);
    }

    private CosmosClient CreateClient(string connectionSetting)
    {
        var connectionString = _settings[connectionSetting]
            ?? throw new InvalidOperationException($"Function {_function.Name}: the connection setting '{connectionSetting}' is not set (the local host supports connection strings only).");
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

    /// <summary>The binding's poll delay; <c>LocalHost:FeedPollDelayMs</c> overrides it for tests and benchmarks.</summary>
    private TimeSpan? PollDelay() =>
        int.TryParse(_settings["LocalHost:FeedPollDelayMs"], CultureInfo.InvariantCulture, out var overridden) && overridden > 0 ? TimeSpan.FromMilliseconds(overridden)
        : Milliseconds("feedPollDelay");

    private string Required(string name) => Optional(name) ?? throw new InvalidOperationException($"Function {_function.Name}: the cosmosDBTrigger binding has no '{name}'.");

    private string? Optional(string name) => _binding[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    private bool Flag(string name) => _binding[name] is JsonValue value && (value.TryGetValue<bool>(out var flag) ? flag : value.TryGetValue<string>(out var text) && bool.TryParse(text, out flag) && flag);

    private int Number(string name) => _binding[name] is JsonValue value && (value.TryGetValue<int>(out var number) || (value.TryGetValue<string>(out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out number))) ? number : 0;

    private TimeSpan? Milliseconds(string name) => Number(name) is > 0 and var ms ? TimeSpan.FromMilliseconds(ms) : null;
}
