using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>
/// The projection store port in memory, with the semantics of <see cref="Cosmos.CosmosProjectionStore"/>: one view
/// per inventory, stored in its document shape (<see cref="ProjectionDocument"/>), with an etag that changes on every
/// write; a write with a stale etag (or a create over an existing view) is refused with <c>false</c>.
/// </summary>
/// <remarks>
/// Counts reads and writes per inventory. For the races and failures the projector must survive:
/// <see cref="BeforeNextWrite"/> runs something (another writer) between the projector's read and its write;
/// <see cref="FailNextWrite"/> makes the next write throw before it is stored, <see cref="LoseNextWriteResponse"/> after.
/// </remarks>
public sealed class InMemoryProjectionStore : IProjectionStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (byte[] Document, string ETag)> _views = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _writes = new(StringComparer.Ordinal);
    private readonly Queue<Func<InMemoryProjectionStore, Task>> _beforeNextWrite = new();
    private Func<InMemoryProjectionStore, Task>? _beforeEveryWrite;
    private bool _loseNextResponse;
    private long _refusePast = long.MaxValue;
    private long _etags;

    /// <summary>Writes refused because the etag no longer matched.</summary>
    public int RejectedWrites { get; private set; }

    public int TotalReads { get { lock (_lock) return _reads.Values.Sum(); } }

    public int TotalWrites { get { lock (_lock) return _writes.Values.Sum(); } }

    public int ReadsOf(string inventoryId) { lock (_lock) return _reads.GetValueOrDefault(inventoryId); }

    /// <summary>Successful writes of the view of <paramref name="inventoryId"/>.</summary>
    public int WritesOf(string inventoryId) { lock (_lock) return _writes.GetValueOrDefault(inventoryId); }

    public void ResetCounts()
    {
        lock (_lock)
        {
            _reads.Clear();
            _writes.Clear();
            RejectedWrites = 0;
        }
    }

    /// <summary>The stored view, decoded from its document, or null (none, or not readable as a view).</summary>
    public InventoryView? Find(string inventoryId)
    {
        lock (_lock)
            return _views.TryGetValue(inventoryId, out var stored) ? Decode(stored.Document) : null;
    }

    /// <summary>Runs <paramref name="action"/> once, just before the next write is checked and stored.</summary>
    public void BeforeNextWrite(Func<InMemoryProjectionStore, Task> action) => _beforeNextWrite.Enqueue(action);

    /// <summary>Runs <paramref name="action"/> before every write (a writer that always gets there first).</summary>
    public void BeforeEveryWrite(Func<InMemoryProjectionStore, Task>? action) => _beforeEveryWrite = action;

    /// <summary>The next write throws a <see cref="TimeoutException"/> before anything is stored.</summary>
    public void FailNextWrite() =>
        BeforeNextWrite(_ => throw new TimeoutException("Simulated: the write timed out before reaching the store."));

    /// <summary>The next write is stored, then throws a <see cref="TimeoutException"/> as if its response were lost.</summary>
    public void LoseNextWriteResponse() => _loseNextResponse = true;

    /// <summary>From now on, refuses for good (as Cosmos DB refuses an item over 2 MB) every view past <paramref name="version"/>.</summary>
    public void RefuseViewsPast(long version) => _refusePast = version;

    /// <summary>Stores a document that is not a readable view (edited by hand, an old shape), as a corrupted one would be.</summary>
    public void PutCorrupt(string inventoryId, string json)
    {
        lock (_lock)
            _views[inventoryId] = (System.Text.Encoding.UTF8.GetBytes(json), NextETag());
    }

    /// <summary>Stores <paramref name="view"/> unconditionally, as another writer would (a new etag).</summary>
    public void Put(InventoryView view)
    {
        lock (_lock)
            _views[view.InventoryId] = (ProjectionDocument.Encode(view), NextETag());
    }

    public Task<StoredView?> ReadAsync(string inventoryId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _reads[inventoryId] = _reads.GetValueOrDefault(inventoryId) + 1;
            return Task.FromResult(_views.TryGetValue(inventoryId, out var stored) ? new StoredView(Decode(stored.Document), stored.ETag) : null);
        }
    }

    public async Task<bool> TryWriteAsync(InventoryView view, string? etag, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_beforeNextWrite.TryDequeue(out var before))
            await before(this);
        if (_beforeEveryWrite is { } every)
            await every(this);

        if (view.Version > _refusePast)
            throw new ViewRejectedException(view.InventoryId, $"Simulated: the store refuses the view at version {view.Version}.");
        lock (_lock)
        {
            var exists = _views.TryGetValue(view.InventoryId, out var current);
            if (etag is null ? exists : !exists || current.ETag != etag)
            {
                RejectedWrites++;
                return false;
            }
            _views[view.InventoryId] = (ProjectionDocument.Encode(view), NextETag());
            _writes[view.InventoryId] = _writes.GetValueOrDefault(view.InventoryId) + 1;
        }

        if (_loseNextResponse)
        {
            _loseNextResponse = false;
            throw new TimeoutException("Simulated: the view was stored but the response was lost.");
        }
        return true;
    }

    private string NextETag() => "\"" + (++_etags).ToString(CultureInfo.InvariantCulture) + "\"";

    // As the Cosmos store: a document that cannot be read as a view is reported as null, with its etag.
    private static InventoryView? Decode(byte[] document)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            return ProjectionDocument.Decode(json.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return null;
        }
    }
}
