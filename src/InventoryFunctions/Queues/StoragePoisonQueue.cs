using System.Text.Json;
using Azure.Storage.Queues;
using InventoryFunctions.Projections;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Queues;

/// <summary>
/// The <c>projection-poison</c> Azure Storage queue. The queue is created by infrastructure (Bicep in Azure,
/// the provisioner locally); messages are Base64 JSON, the encoding a queue-triggered function expects.
/// </summary>
public sealed class StoragePoisonQueue(QueueClient queue) : IPoisonQueue
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SendAsync(PoisonMessage message, CancellationToken cancellationToken) =>
        await queue.SendMessageAsync(BinaryData.FromObjectAsJson(message, Json), cancellationToken: cancellationToken);

    /// <summary>From the <c>PoisonQueueStorage</c> connection: a connection string, or <c>PoisonQueueStorage__queueServiceUri</c> with a managed identity.</summary>
    public static QueueClient CreateClient(IConfiguration configuration)
    {
        var setting = configuration.GetSection(AppSettings.PoisonQueueConnection);
        var queueName = configuration[AppSettings.PoisonQueueName] ?? "projection-poison";
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
