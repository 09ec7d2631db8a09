using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LocalHost.TestWorker;

/// <summary>
/// A Storage queue trigger on the queue the setting <c>TestQueueName</c> names (connection: AzureWebJobsStorage, the extension's default). Each
/// delivery is logged with the binding data the host passed; a message <c>{"id":…,"failUntilDequeueCount":n}</c> fails
/// while its DequeueCount is below n, and <c>{"id":…,"holdWhileExists":path}</c> runs until that file is gone, so a
/// test decides when an invocation may end.
/// </summary>
public sealed class QueueFunctions(ILogger<QueueFunctions> logger)
{
    [Function("OnQueueItem")]
    public async Task OnQueueItem([QueueTrigger("%TestQueueName%")] string message, FunctionContext context)
    {
        var data = context.BindingContext.BindingData;
        var dequeueCount = Convert.ToInt64(data["DequeueCount"]?.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        using var body = JsonDocument.Parse(message);
        var id = body.RootElement.GetProperty("id").GetString();
        logger.LogInformation("Dequeued {Id} count {DequeueCount} messageId {MessageId} inserted {InsertionTime} trigger {QueueTrigger}",
            id, dequeueCount, data["Id"], data["InsertionTime"], data["QueueTrigger"]);
        if (body.RootElement.TryGetProperty("holdWhileExists", out var hold))
        {
            while (File.Exists(hold.GetString()))
                await Task.Delay(50, context.CancellationToken);
        }
        if (body.RootElement.TryGetProperty("failUntilDequeueCount", out var failUntil) && dequeueCount < failUntil.GetInt64())
            throw new InvalidOperationException($"{id} fails at dequeue count {dequeueCount}");
        logger.LogInformation("Completed {Id} at count {DequeueCount}", id, dequeueCount);
    }

    /// <summary>The same trigger bound to bytes (<c>dataType: binary</c>): logs the body as hex and whether QueueTrigger (text) came along.</summary>
    [Function("OnQueueBytes")]
    public void OnQueueBytes([QueueTrigger("%TestBytesQueueName%")] byte[] body, FunctionContext context) =>
        logger.LogInformation("Bytes {Hex} text {HasText}", Convert.ToHexString(body), context.BindingContext.BindingData.ContainsKey("QueueTrigger"));
}
