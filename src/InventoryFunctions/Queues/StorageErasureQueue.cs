using InventoryFunctions.Projections;

namespace InventoryFunctions.Queues;

/// <summary>
/// The <c>inventory-erasures</c> Storage queue (created by infrastructure, on the poison queue's storage connection):
/// one message per erasure job, its id only, so that no message (nor its poison copy) names an inventory.
/// </summary>
public sealed class StorageErasureQueue(Func<Azure.Storage.Queues.QueueClient> createClient) : IErasureQueue
{
    public const string DefaultQueueName = "inventory-erasures";

    private readonly Lazy<Azure.Storage.Queues.QueueClient> _queue = new(createClient);

    public async Task SendAsync(string jobId, CancellationToken cancellationToken) =>
        await _queue.Value.SendMessageAsync(jobId, cancellationToken: cancellationToken);

}
