using System.Text.Json;
using Azure.Storage.Queues;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Queues;

/// <summary>
/// The <c>projection-rebuilds</c> Storage queue (created by infrastructure, on the poison queue's storage connection):
/// one Base64 JSON message per page of a rebuild job, the encoding the queue trigger expects.
/// </summary>
public sealed class StorageRebuildQueue(Func<QueueClient> createClient) : IRebuildPageQueue
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Created on first use: a missing setting then fails the start of a rebuild, not the app.
    private readonly Lazy<QueueClient> _queue = new(createClient);

    public async Task SendAsync(RebuildPage page, CancellationToken cancellationToken) =>
        await _queue.Value.SendMessageAsync(BinaryData.FromObjectAsJson(page, Json), cancellationToken: cancellationToken);

    /// <summary>Reads a message as the trigger delivers it (the decoded text).</summary>
    public static RebuildPage? Parse(string message)
    {
        try
        {
            return JsonSerializer.Deserialize<RebuildPage>(message, Json) is { JobId: not null, Page: >= 0 } page ? page : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
