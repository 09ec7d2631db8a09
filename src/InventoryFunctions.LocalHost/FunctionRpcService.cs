using System.Collections.Concurrent;
using Grpc.Core;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>Workers the host has started and whose stream it expects, by worker id.</summary>
public sealed class WorkerChannelRegistry
{
    private readonly ConcurrentDictionary<string, WorkerChannel> _channels = new();

    public void Add(WorkerChannel channel) => _channels[channel.WorkerId] = channel;

    public void Remove(WorkerChannel channel) => _channels.TryRemove(channel.WorkerId, out _);

    public WorkerChannel? Find(string workerId) => _channels.GetValueOrDefault(workerId);
}

/// <summary>
/// <c>FunctionRpc.EventStream</c>: the worker dials in and sends <c>StartStream</c> with the worker id it was started
/// with; from then on the stream carries the host's requests to that worker and the worker's answers and logs.
/// </summary>
public sealed class FunctionRpcService(WorkerChannelRegistry registry, ILogger<FunctionRpcService> logger) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        var stopping = context.CancellationToken;
        if (!await requestStream.MoveNext(stopping) || requestStream.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
        {
            logger.LogWarning("A worker opened a stream without StartStream; closing it");
            return;
        }
        var workerId = requestStream.Current.StartStream.WorkerId;
        var channel = registry.Find(workerId);
        if (channel is null)
        {
            logger.LogWarning("Worker {WorkerId} is not one this host started; closing its stream", workerId);
            return;
        }

        channel.OnStreamStarted();
        var writing = WriteAsync(channel, responseStream, stopping);
        try
        {
            while (await requestStream.MoveNext(stopping))
                channel.OnMessage(requestStream.Current);
            channel.Close(new WorkerUnavailableException($"Worker {workerId} closed its stream."));
        }
        catch (Exception ex) when (ex is IOException or Grpc.Core.RpcException or OperationCanceledException or InvalidOperationException)
        {
            channel.Close(new WorkerUnavailableException($"The stream of worker {workerId} broke: {ex.Message}", ex));
        }
        await writing;
    }

    private static async Task WriteAsync(WorkerChannel channel, IServerStreamWriter<StreamingMessage> responseStream, CancellationToken stopping)
    {
        try
        {
            await foreach (var message in channel.Outbound.ReadAllAsync(stopping))
                await responseStream.WriteAsync(message, stopping);
        }
        catch (Exception ex) when (ex is IOException or Grpc.Core.RpcException or OperationCanceledException or InvalidOperationException)
        {
            channel.Close(new WorkerUnavailableException($"Writing to worker {channel.WorkerId} failed: {ex.Message}", ex));
        }
    }
}
