using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>The poison queue port in memory: keeps every message sent; can fail like an unreachable Storage account.</summary>
public sealed class RecordingPoisonQueue : IPoisonQueue
{
    private readonly Lock _lock = new();
    private readonly List<PoisonMessage> _messages = [];
    private int _failures;

    public IReadOnlyList<PoisonMessage> Messages { get { lock (_lock) return [.. _messages]; } }

    /// <summary>The next <paramref name="count"/> sends throw, as Azure Storage does when it is unreachable.</summary>
    public void FailNextSends(int count = 1) => _failures = count;

    public Task SendAsync(PoisonMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_failures > 0)
            {
                _failures--;
                throw new Azure.RequestFailedException(503, "Simulated: the storage account did not answer.");
            }
            _messages.Add(message);
        }
        return Task.CompletedTask;
    }

    // Listing and replay are exercised against Azurite (integration tests); the projector's tests only send.
    public Task<int> CountAsync(CancellationToken cancellationToken) => Task.FromResult(Messages.Count);

    public Task<IReadOnlyList<QueuedPoison>> PeekAsync(int max, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<QueuedPoison>> ReceiveAsync(int max, TimeSpan hiddenFor, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeleteAsync(QueuedPoison received, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task ReleaseAsync(QueuedPoison received, CancellationToken cancellationToken) => throw new NotSupportedException();
}
