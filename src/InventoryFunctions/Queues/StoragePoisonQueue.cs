using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using InventoryFunctions.Projections;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Queues;

/// <summary>
/// The <c>projection-poison</c> Azure Storage queue. The queue is created by infrastructure (Bicep in Azure,
/// the provisioner locally); messages are Base64 JSON, the encoding a queue-triggered function expects.
/// </summary>
public sealed class StoragePoisonQueue(Func<QueueClient> createClient) : IPoisonQueue
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Created on first use: a missing setting then fails the call that needs the queue (health reports it), not the app.
    private readonly Lazy<QueueClient> _queue = new(createClient);

    public StoragePoisonQueue(QueueClient queue)
        : this(() => queue)
    {
    }

    private QueueClient queue => _queue.Value;

    public async Task SendAsync(PoisonMessage message, CancellationToken cancellationToken) =>
        await queue.SendMessageAsync(BinaryData.FromObjectAsJson(message, Json), cancellationToken: cancellationToken);

    public async Task<int> CountAsync(CancellationToken cancellationToken) =>
        (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;

    public async Task<IReadOnlyList<QueuedPoison>> PeekAsync(int max, CancellationToken cancellationToken) =>
        [.. (await queue.PeekMessagesAsync(Math.Clamp(max, 1, IPoisonQueue.MaxBatch), cancellationToken)).Value
            .Select(m => Read(m.MessageId, m.Body, m.InsertedOn, m.DequeueCount, null))];

    public async Task<IReadOnlyList<QueuedPoison>> ReceiveAsync(int max, TimeSpan hiddenFor, CancellationToken cancellationToken) =>
        [.. (await queue.ReceiveMessagesAsync(Math.Clamp(max, 1, IPoisonQueue.MaxBatch), hiddenFor, cancellationToken)).Value
            .Select(m => Read(m.MessageId, m.Body, m.InsertedOn, m.DequeueCount, m.PopReceipt))];

    public async Task DeleteAsync(QueuedPoison received, CancellationToken cancellationToken) =>
        await queue.DeleteMessageAsync(received.MessageId, ReceiptOf(received), cancellationToken);

    public async Task ReleaseAsync(QueuedPoison received, CancellationToken cancellationToken) =>
        await queue.UpdateMessageAsync(received.MessageId, ReceiptOf(received), visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);

    private static string ReceiptOf(QueuedPoison message) =>
        message.Receipt ?? throw new InvalidOperationException($"Message {message.MessageId} was peeked, not received.");

    private static QueuedPoison Read(string id, BinaryData body, DateTimeOffset? insertedOn, long dequeueCount, string? receipt)
    {
        var text = body.ToString();
        PoisonMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<PoisonMessage>(text, Json);
        }
        catch (JsonException)
        {
            message = null; // not ours (put there by hand): listed as text, never replayed
        }
        return new QueuedPoison(id, message is { Reason: not null } ? message : null, text, insertedOn, dequeueCount, receipt);
    }

    /// <summary>
    /// A queue of the <c>PoisonQueueStorage</c> account (the projections' queues share it, see <see cref="QueueOptions"/>): a
    /// connection string, or <c>PoisonQueueStorage__queueServiceUri</c> with a managed identity.
    /// </summary>
    public static QueueClient CreateClient(IConfiguration configuration, string queueName)
    {
        var setting = configuration.GetSection(AppSettings.PoisonQueueConnection);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        if (!string.IsNullOrWhiteSpace(setting.Value))
            return new QueueClient(setting.Value, queueName, options);
        var serviceUri = setting["queueServiceUri"];
        if (string.IsNullOrWhiteSpace(serviceUri))
            throw new InvalidOperationException(
                $"Set '{AppSettings.PoisonQueueConnection}' to a storage connection string, or '{AppSettings.PoisonQueueConnection}__queueServiceUri' to a queue service reached with a managed identity.");
        return new QueueClient(new Uri(new Uri(serviceUri.TrimEnd('/') + "/"), queueName), AzureCredentials.For(setting), options);
    }
}
