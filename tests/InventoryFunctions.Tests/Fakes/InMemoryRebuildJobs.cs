using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using InventoryFunctions.Operations;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>
/// The rebuild job store in memory, with the semantics of <see cref="Cosmos.CosmosRebuildJobStore"/>: jobs kept in
/// their document shape (<see cref="RebuildJobDocument"/>), an etag that changes on every write, a stale etag refused,
/// and a start that creates the job and moves the pointer together or not at all.
/// </summary>
public sealed class InMemoryRebuildJobStore : IRebuildJobStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (byte[] Document, string ETag)> _documents = new(StringComparer.Ordinal);
    private long _etags;

    public Task<StoredRebuildJob?> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult(Read(jobId));
    }

    public Task<CurrentRebuild> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_documents.TryGetValue(RebuildJobDocument.CurrentId, out var pointer))
                return Task.FromResult(new CurrentRebuild(null, null));
            var jobId = RebuildJobDocument.DecodeCurrent(JsonDocument.Parse(pointer.Document).RootElement);
            return Task.FromResult(new CurrentRebuild(Read(jobId), pointer.ETag));
        }
    }

    public Task<string?> TryStartAsync(RebuildJob job, string? pointerETag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var pointer = _documents.TryGetValue(RebuildJobDocument.CurrentId, out var current) ? current.ETag : null;
            if (pointer != pointerETag || _documents.ContainsKey(job.JobId))
                return Task.FromResult<string?>(null);
            _documents[RebuildJobDocument.CurrentId] = (RebuildJobDocument.EncodeCurrent(job.JobId), NextETag());
            var etag = NextETag();
            _documents[job.JobId] = (RebuildJobDocument.Encode(job), etag);
            return Task.FromResult<string?>(etag);
        }
    }

    public Task<bool> TryReplaceAsync(RebuildJob job, string etag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_documents.TryGetValue(job.JobId, out var stored) || stored.ETag != etag)
                return Task.FromResult(false);
            _documents[job.JobId] = (RebuildJobDocument.Encode(job), NextETag());
            return Task.FromResult(true);
        }
    }

    private StoredRebuildJob? Read(string jobId) =>
        _documents.TryGetValue(jobId, out var stored)
            ? new StoredRebuildJob(RebuildJobDocument.Decode(JsonDocument.Parse(stored.Document).RootElement), stored.ETag)
            : null;

    private string NextETag() => (++_etags).ToString(CultureInfo.InvariantCulture);
}

/// <summary>The rebuild page queue in memory: keeps every page sent; can fail like an unreachable Storage account.</summary>
public sealed class RecordingRebuildQueue : IRebuildPageQueue
{
    private readonly Lock _lock = new();
    private readonly List<RebuildPage> _sent = [];
    private int _failures;

    public IReadOnlyList<RebuildPage> Sent { get { lock (_lock) return [.. _sent]; } }

    public void FailNextSends(int count = 1) => _failures = count;

    public Task SendAsync(RebuildPage page, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_failures > 0)
            {
                _failures--;
                throw new IOException("The queue is unreachable.");
            }
            _sent.Add(page);
        }
        return Task.CompletedTask;
    }
}
