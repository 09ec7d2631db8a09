using System.Collections.Concurrent;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Testing;

/// <summary>
/// Counts the round trips a <see cref="CosmosClient"/> makes, as a handler in its pipeline: every request the
/// SDK sends (retries included) passes through it once.
/// </summary>
public sealed class RequestCounter : RequestHandler
{
    private readonly ConcurrentQueue<string> _requests = new();

    public int Count => _requests.Count;

    /// <summary>"METHOD path" of each request since the last <see cref="Reset"/>, for assertion messages.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public void Reset() => _requests.Clear();

    public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue($"{request.Method} {request.RequestUri}");
        return base.SendAsync(request, cancellationToken);
    }
}
