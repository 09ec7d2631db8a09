using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// A <c>queueTrigger</c> binding run as the Azure Storage queues extension (v5, QueueListener + QueueProcessor) runs it:
/// <list type="bullet">
/// <item>polls <c>queueName</c> on the storage account of the <c>connection</c> setting (default
/// <c>AzureWebJobsStorage</c>), receiving up to <c>batchSize</c> messages and receiving again once at most
/// <c>newBatchThreshold</c> are still running; an empty queue backs off exponentially (randomized) from 100 ms up to
/// <c>maxPollingInterval</c>;</item>
/// <item>a received message is invisible for 10 minutes, renewed half-way for as long as its invocation runs; success
/// deletes it; a failure makes it visible again after <c>visibilityTimeout</c>, or, once it has been dequeued
/// <c>maxDequeueCount</c> times, copies it to <c>&lt;queue&gt;-poison</c> and deletes it;</item>
/// <item>bodies are base64 (<c>messageEncoding</c>); one that is not valid base64 goes straight to the poison queue;</item>
/// <item>the invocation gets the message as a string (or bytes for <c>dataType: binary</c>) and the binding data
/// <c>QueueTrigger</c>, <c>DequeueCount</c>, <c>Id</c>, <c>PopReceipt</c>, <c>InsertionTime</c>, <c>ExpirationTime</c>,
/// <c>NextVisibleTime</c>;</item>
/// <item>a host that stops leaves the messages in flight invisible (neither deleted nor released): they come back
/// when their invisibility ends, as after a crash.</item>
/// </list>
/// </summary>
public sealed class QueueTriggerListener : TriggerListener
{
    /// <summary>How long a received message stays invisible, renewed half-way while it runs (the extension's constant).</summary>
    public static readonly TimeSpan DefaultMessageLease = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);
    private const string PoisonSuffix = "-poison";

    private readonly QueuesHostOptions _queues;
    private readonly TimeSpan _leaseDuration;
    private readonly CancellationTokenSource _stopping = new();
    private Task _polling = Task.CompletedTask;
    private QueueClient? _queue;
    private QueueClient? _poisonQueue;
    private QueueClient? _rawPoisonQueue;

    public QueueTriggerListener(FunctionMetadata function, HostSettings settings, WorkerHost workers, LocalHostOptions options, ILoggerFactory loggers)
        : base(function, settings, workers, options, loggers)
    {
        _queues = QueuesHostOptions.FromHostJson(options.ScriptRoot);
        // How long a received message stays invisible; LocalHost:QueueMessageLeaseSeconds shortens it for tests.
        _leaseDuration = settings.PositiveInteger("LocalHost:QueueMessageLeaseSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultMessageLease;
    }

    public static bool Handles(FunctionMetadata function) => string.Equals(function.TriggerType, "queueTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>The queue this listener polls (after <c>%setting%</c> resolution).</summary>
    public string QueueName => _queue?.Name ?? Settings.Resolve(Required("queueName"));

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var queueName = Settings.Resolve(Required("queueName")).ToLowerInvariant();
        var connectionString = ConnectionString(Optional("connection"), "AzureWebJobsStorage");

        // As the extension: a client that decodes base64 for the trigger, whose decoding failures go to the poison
        // queue through a second client that leaves bodies as they are.
        var raw = new QueueServiceClient(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var clientOptions = new QueueClientOptions { MessageEncoding = _queues.MessageEncoding };
        var hasPoisonQueue = !queueName.EndsWith(PoisonSuffix, StringComparison.Ordinal) && queueName.Length + PoisonSuffix.Length <= 63;
        if (hasPoisonQueue)
            _rawPoisonQueue = raw.GetQueueClient(queueName + PoisonSuffix);
        clientOptions.MessageDecodingFailed += async args =>
        {
            if (args.ReceivedMessage is { } undecodable)
            {
                Logger.LogWarning("{Function}: message {MessageId} of {Queue} is not valid {Encoding}; it goes to the poison queue", Function.Name, undecodable.MessageId, queueName, _queues.MessageEncoding);
                await MoveToPoisonAsync(undecodable, _rawPoisonQueue, args.Queue);
            }
        };
        var service = new QueueServiceClient(connectionString, clientOptions);
        _queue = service.GetQueueClient(queueName);
        if (hasPoisonQueue)
            _poisonQueue = service.GetQueueClient(queueName + PoisonSuffix);

        _polling = Task.Run(() => PollAsync(_stopping.Token), CancellationToken.None);
        Logger.LogInformation("Queue trigger {Function} listens to queue {Queue} (batch {BatchSize}, new batch at {Threshold}, max dequeue {MaxDequeueCount}, max polling interval {MaxPolling})",
            Function.Name, queueName, _queues.BatchSize, _queues.NewBatchThreshold, _queues.MaxDequeueCount, _queues.MaxPollingInterval);
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _polling;
        }
        catch (OperationCanceledException)
        {
        }
        _stopping.Dispose();
    }

    private async Task PollAsync(CancellationToken stopping)
    {
        var processing = new List<Task>();
        var delay = MinimumPollingInterval;
        bool? queueExists = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                QueueMessage[] batch = [];
                try
                {
                    queueExists ??= (await _queue!.ExistsAsync(stopping)).Value ? true : null;
                    if (queueExists == true)
                        batch = (await _queue!.ReceiveMessagesAsync(_queues.BatchSize, _leaseDuration, stopping)).Value;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Any error resets the existence check, as the extension does, and backs off.
                    queueExists = null;
                    Logger.LogWarning("{Function}: polling queue {Queue} failed: {Error}", Function.Name, _queue!.Name, ex.Message);
                }

                if (batch.Length == 0)
                {
                    delay = NextDelay(delay);
                    await Task.Delay(delay, stopping);
                    continue;
                }
                delay = MinimumPollingInterval;
                processing.AddRange(batch.Select(message => ProcessAsync(message, stopping)));
                // The next batch once no more than newBatchThreshold messages are still running.
                while (processing.Count > _queues.NewBatchThreshold)
                    processing.Remove(await Task.WhenAny(processing));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        await Task.WhenAll(processing);
    }

    /// <summary>Randomized exponential backoff while the queue is empty: double, ±20 %, capped at maxPollingInterval.</summary>
    private TimeSpan NextDelay(TimeSpan previous)
    {
        var doubled = previous.TotalMilliseconds * 2 * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Clamp(doubled, MinimumPollingInterval.TotalMilliseconds, _queues.MaxPollingInterval.TotalMilliseconds));
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stopping)
    {
        try
        {
            if (message.DequeueCount > _queues.MaxDequeueCount)
            {
                // Delivered more often than allowed without ever completing (e.g. hosts that died mid-invocation).
                if (_poisonQueue is not null)
                    await MoveToPoisonAsync(message, _poisonQueue, _queue!);
                return;
            }

            var lease = new MessageLease(_queue!, message, _leaseDuration);
            string? failure;
            using (var renewing = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                var renewal = lease.KeepInvisibleAsync(Logger, renewing.Token);
                failure = await InvokeOnceAsync(message, stopping);
                await renewing.CancelAsync();
                await renewal;
            }
            stopping.ThrowIfCancellationRequested();

            if (failure is null)
                await IgnoringGoneAsync(() => _queue!.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None));
            else if (_poisonQueue is null)
                Logger.LogError("{Function} failed on message {MessageId}; queue {Queue} has no poison queue, so it stays invisible until its lease ends", Function.Name, message.MessageId, _queue!.Name);
            else if (message.DequeueCount >= _queues.MaxDequeueCount)
                await MoveToPoisonAsync(lease.Current, _poisonQueue, _queue!);
            else
                await IgnoringGoneAsync(() => _queue!.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: _queues.VisibilityTimeout, cancellationToken: CancellationToken.None));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the message is neither deleted nor released; it reappears when its invisibility ends.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Storage unreachable (the SDK's retries gave up): the message reappears when its invisibility ends.
            Logger.LogError("{Function}: completing message {MessageId} failed; it reappears when its invisibility ends: {Error}", Function.Name, message.MessageId, ex.Message);
        }
    }

    /// <summary>One invocation; null when it succeeded, else what went wrong.</summary>
    private async Task<string?> InvokeOnceAsync(QueueMessage message, CancellationToken stopping)
    {
        var request = NewInvocation(TriggerValue(message));
        Logger.LogDebug("Executing 'Functions.{Function}' (Reason='New queue message detected on '{Queue}'.', Id={InvocationId})", Function.Name, _queue!.Name, request.InvocationId);
        foreach (var (name, value) in BindingData(message))
            request.TriggerMetadata.Add(name, value);
        return await InvokeAsync(request, stopping);
    }

    /// <summary>The message as the extension binds it for an out-of-process worker: bytes for a binary binding, else its text.</summary>
    private TypedData TriggerValue(QueueMessage message) =>
        string.Equals(Optional("dataType"), "binary", StringComparison.OrdinalIgnoreCase)
            ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(message.Body.ToMemory().Span) }
            : new TypedData { String = message.Body.ToString() };

    /// <summary>The extension's binding data contract (QueueTriggerBinding): text only when the body is valid UTF-8.</summary>
    private static IEnumerable<(string Name, TypedData Value)> BindingData(QueueMessage message)
    {
        if (TryUtf8(message.Body.ToMemory().Span) is { } text)
            yield return ("QueueTrigger", new TypedData { String = text });
        // Numbers and instants travel as JSON, as the host serializes binding data that is not a string (the isolated
        // worker refuses TypedData.Int in trigger metadata).
        yield return ("DequeueCount", new TypedData { Json = message.DequeueCount.ToString(CultureInfo.InvariantCulture) });
        yield return ("ExpirationTime", Instant(message.ExpiresOn ?? DateTimeOffset.MaxValue));
        yield return ("Id", new TypedData { String = message.MessageId });
        yield return ("InsertionTime", Instant(message.InsertedOn ?? DateTimeOffset.UtcNow));
        yield return ("NextVisibleTime", Instant(message.NextVisibleOn ?? DateTimeOffset.MaxValue));
        yield return ("PopReceipt", new TypedData { String = message.PopReceipt });
    }

    private static TypedData Instant(DateTimeOffset value) => new() { Json = JsonSerializer.Serialize(value) };

    private static string? TryUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, QueueClient? poisonQueue, QueueClient queue)
    {
        if (poisonQueue is null)
            return;
        Logger.LogWarning("Message has reached MaxDequeueCount of {MaxDequeueCount}. Moving message to queue '{PoisonQueue}'.", _queues.MaxDequeueCount, poisonQueue.Name);
        await poisonQueue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        await poisonQueue.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
        await IgnoringGoneAsync(() => queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None));
    }

    /// <summary>A message that is gone, or that another receiver took over (pop receipt mismatch), needs nothing more.</summary>
    private static async Task IgnoringGoneAsync(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 400 && (ex.ErrorCode is "MessageNotFound" or "QueueNotFound" or "PopReceiptMismatch" || ex.Status == 404))
        {
        }
    }

    /// <summary>A received message kept invisible while its invocation runs: its visibility is renewed half-way through each lease.</summary>
    private sealed class MessageLease(QueueClient queue, QueueMessage message, TimeSpan lease)
    {
        public QueueMessage Current { get; private set; } = message;

        public string PopReceipt => Current.PopReceipt;

        public async Task KeepInvisibleAsync(ILogger logger, CancellationToken done)
        {
            // As the extension's UpdateQueueMessageVisibilityCommand: half-way through each lease; after a failure,
            // sooner (here a tenth of the lease) while the lease may still be saved.
            var wait = lease / 2;
            while (true)
            {
                try
                {
                    await Task.Delay(wait, done);
                    // Not cancelled once sent: an update that went through but whose answer was dropped would leave
                    // a pop receipt the completion cannot use (the extension, too, lets it finish before completing).
                    var receipt = (await queue.UpdateMessageAsync(Current.MessageId, Current.PopReceipt, visibilityTimeout: lease, cancellationToken: CancellationToken.None)).Value;
                    Current = Current.Update(receipt);
                    wait = lease / 2;
                }
                catch (OperationCanceledException) when (done.IsCancellationRequested)
                {
                    return;
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 400)
                {
                    // Gone, or another receiver holds it now (pop receipt mismatch): nothing left to keep.
                    logger.LogWarning("Could not keep message {MessageId} invisible: {Error}", Current.MessageId, ex.Message);
                    return;
                }
                catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException)
                {
                    logger.LogWarning("Keeping message {MessageId} invisible failed; trying again: {Error}", Current.MessageId, ex.Message);
                    wait = lease / 10;
                }
            }
        }
    }
}

/// <summary>
/// <c>extensions.queues</c> of host.json with the extension's defaults: batchSize 16 (1–32), newBatchThreshold
/// batchSize / 2 × processors, maxPollingInterval 1 minute (at least 100 ms), visibilityTimeout 0, maxDequeueCount 5,
/// messageEncoding base64.
/// </summary>
public sealed record QueuesHostOptions(int BatchSize, int NewBatchThreshold, TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int MaxDequeueCount, QueueMessageEncoding MessageEncoding)
{
    public static QueuesHostOptions FromHostJson(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, "host.json");
        var queues = File.Exists(path)
            ? JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = JsonCommentHandling.Skip })?["extensions"]?["queues"] as JsonObject
            : null;
        var batchSize = Int(queues, "batchSize") ?? 16;
        if (batchSize is < 1 or > 32)
            throw new InvalidOperationException($"host.json extensions.queues.batchSize must be 1–32, not {batchSize}.");
        var maxDequeueCount = Int(queues, "maxDequeueCount") ?? 5;
        if (maxDequeueCount < 1)
            throw new InvalidOperationException("host.json extensions.queues.maxDequeueCount must not be less than 1.");
        var maxPolling = Interval(queues, "maxPollingInterval") ?? TimeSpan.FromMinutes(1);
        if (maxPolling < TimeSpan.FromMilliseconds(100))
            throw new InvalidOperationException("host.json extensions.queues.maxPollingInterval must not be less than 00:00:00.1.");
        var encoding = (string?)queues?["messageEncoding"] switch
        {
            null => QueueMessageEncoding.Base64,
            var e when e.Equals("base64", StringComparison.OrdinalIgnoreCase) => QueueMessageEncoding.Base64,
            var e when e.Equals("none", StringComparison.OrdinalIgnoreCase) => QueueMessageEncoding.None,
            var e => throw new InvalidOperationException($"host.json extensions.queues.messageEncoding '{e}' is neither base64 nor none."),
        };
        return new QueuesHostOptions(
            batchSize,
            Int(queues, "newBatchThreshold") ?? batchSize / 2 * Environment.ProcessorCount,
            maxPolling,
            Interval(queues, "visibilityTimeout") ?? TimeSpan.Zero,
            maxDequeueCount,
            encoding);
    }

    private static int? Int(JsonObject? section, string name) => section?[name] is JsonValue value
        ? value.TryGetValue<int>(out var number) ? number : int.Parse((string)value!, CultureInfo.InvariantCulture)
        : null;

    private static TimeSpan? Interval(JsonObject? section, string name) => section?[name] is JsonValue value
        ? TimeSpan.Parse((string)value!, CultureInfo.InvariantCulture)
        : null;
}
