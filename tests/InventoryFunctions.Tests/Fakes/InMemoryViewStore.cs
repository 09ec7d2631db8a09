using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>
/// The view store in memory as <c>CosmosViewStore</c> keeps it: the documents the real codecs write (roots and parts,
/// by id in the inventory's partition), an etag per root that changes on every write, several roots written together
/// or not at all, and Cosmos DB's limits on a transactional batch (100 operations, 2 MB) and on a document (2 MB),
/// refused as Cosmos refuses them.
/// </summary>
/// <remarks>
/// Counts requests per inventory (a read of roots, a load of parts, a write). For the races and failures the step must
/// survive: <see cref="BeforeNextWrite"/> runs something (another writer) between the step's read and its write;
/// <see cref="FailNextWrite"/> makes the next write throw before it is stored, <see cref="LoseNextWriteResponse"/> after;
/// <see cref="RefuseViewsPast"/> refuses views for good.
/// </remarks>
public sealed class InMemoryViewStore : IViewStore
{
    private const int MaxOperationsPerBatch = 100;
    private const int MaxBytes = 2 * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string InventoryId, string Id), byte[]> _documents = [];
    private readonly Dictionary<(string InventoryId, string RootId), string> _etags = [];
    private readonly Dictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _writes = new(StringComparer.Ordinal);
    private readonly Queue<Func<InMemoryViewStore, Task>> _beforeNextWrite = new();
    private Func<InMemoryViewStore, Task>? _beforeEveryWrite;
    private bool _loseNextResponse;
    private (long Version, Type? View) _refusePast = (long.MaxValue, null);
    private int _etag;

    /// <summary>Successful writes (transactional batches), and the largest document and batch written (bytes).</summary>
    public int Writes { get { lock (_lock) return _writes.Values.Sum(); } }

    public int LargestDocument { get; private set; }

    public int LargestBatch { get; private set; }

    /// <summary>Loads of parts after the read of the roots.</summary>
    public int PartReads { get; private set; }

    /// <summary>Writes refused because an etag no longer matched.</summary>
    public int RejectedWrites { get; private set; }

    public int TotalReads { get { lock (_lock) return _reads.Values.Sum(); } }

    public int TotalWrites => Writes;

    /// <summary>Read requests (roots, or parts) for <paramref name="inventoryId"/>.</summary>
    public int ReadsOf(string inventoryId) { lock (_lock) return _reads.GetValueOrDefault(inventoryId); }

    /// <summary>Successful writes of the views of <paramref name="inventoryId"/>.</summary>
    public int WritesOf(string inventoryId) { lock (_lock) return _writes.GetValueOrDefault(inventoryId); }

    public void ResetCounts()
    {
        lock (_lock)
        {
            _reads.Clear();
            _writes.Clear();
            (RejectedWrites, PartReads) = (0, 0);
        }
    }

    public int DocumentCount(string inventoryId)
    {
        lock (_lock)
            return _documents.Keys.Count(k => k.InventoryId == inventoryId);
    }

    /// <summary>The stored root of that view, decoded, or null (none, or not readable as a view). Not counted as a read.</summary>
    public TView? Find<TView>(string inventoryId) where TView : class, IVersionedView<TView>
    {
        lock (_lock)
            return Read(inventoryId, new ViewRead(typeof(TView), []))?.View as TView;
    }

    /// <summary>The view with the parts of <paramref name="buckets"/> loaded as stored. Not counted as a read.</summary>
    public TView WithParts<TView>(TView view, IReadOnlyCollection<int> buckets) where TView : class, IVersionedView<TView>
    {
        lock (_lock)
            return (TView)WithParts((IVersionedView)view, buckets);
    }

    /// <summary>Runs <paramref name="action"/> once, just before the next write is checked and stored.</summary>
    public void BeforeNextWrite(Func<InMemoryViewStore, Task> action) => _beforeNextWrite.Enqueue(action);

    /// <summary>Runs <paramref name="action"/> before every write (a writer that always gets there first).</summary>
    public void BeforeEveryWrite(Func<InMemoryViewStore, Task>? action) => _beforeEveryWrite = action;

    /// <summary>The next write throws a <see cref="TimeoutException"/> before anything is stored.</summary>
    public void FailNextWrite() =>
        BeforeNextWrite(_ => throw new TimeoutException("Simulated: the write timed out before reaching the store."));

    /// <summary>The next write is stored, then throws a <see cref="TimeoutException"/> as if its response were lost.</summary>
    public void LoseNextWriteResponse() => _loseNextResponse = true;

    /// <summary>From now on, refuses for good (as Cosmos DB refuses an item over 2 MB) every write of a view (of <paramref name="view"/>, or any) past <paramref name="version"/>.</summary>
    public void RefuseViewsPast(long version, Type? view = null) => _refusePast = (version, view);

    /// <summary>Replaces a stored document by hand (a damaged or old-shaped one): a root gets a new etag.</summary>
    public void Put(string inventoryId, string id, string json)
    {
        lock (_lock)
        {
            _documents[(inventoryId, id)] = System.Text.Encoding.UTF8.GetBytes(json);
            if (ViewCodec.All.Values.Any(c => c.Id == id))
                _etags[(inventoryId, id)] = NextETag();
        }
    }

    /// <summary>Stores <paramref name="view"/> (its root and changed parts) unconditionally, as another writer would (a new etag).</summary>
    public void Put(IVersionedView view)
    {
        lock (_lock)
            Store(view.InventoryId, view);
    }

    public Task<IReadOnlyList<Stored<IVersionedView>?>> ReadAsync(string inventoryId, IReadOnlyList<ViewRead> views, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _reads[inventoryId] = _reads.GetValueOrDefault(inventoryId) + 1;
            return Task.FromResult<IReadOnlyList<Stored<IVersionedView>?>>([.. views.Select(v => Read(inventoryId, v))]);
        }
    }

    public Task<IReadOnlyList<IVersionedView>> LoadPartsAsync(IReadOnlyList<(IVersionedView View, IReadOnlyCollection<int> Buckets)> views, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (views.Any(v => v.Buckets.Count > 0))
            {
                PartReads++;
                _reads[views[0].View.InventoryId] = _reads.GetValueOrDefault(views[0].View.InventoryId) + 1;
            }
            return Task.FromResult<IReadOnlyList<IVersionedView>>([.. views.Select(v => v.Buckets.Count == 0 ? v.View : WithParts(v.View, v.Buckets))]);
        }
    }

    public async Task<IReadOnlyList<string>?> TryWriteAsync(string inventoryId, IReadOnlyList<ViewWrite> views, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_beforeNextWrite.TryDequeue(out var before))
            await before(this);
        if (_beforeEveryWrite is { } every)
            await every(this);
        if (views.FirstOrDefault(v => v.View.Version > _refusePast.Version && (_refusePast.View is null || v.View.GetType() == _refusePast.View)) is { } refused)
            throw new ViewRejectedException(inventoryId, $"Simulated: the store refuses the {refused.View.GetType().Name} at version {refused.View.Version}.");

        IReadOnlyList<string> etags;
        lock (_lock)
        {
            foreach (var (view, etag) in views)
            {
                var exists = _etags.TryGetValue((inventoryId, ViewCodec.Of(view.GetType()).Id), out var current);
                if (exists ? current != etag : etag is not null)
                {
                    RejectedWrites++;
                    return null;
                }
            }
            List<(string Id, byte[] Document)> documents = [.. views.SelectMany(v => Encode(v.View))];
            var bytes = documents.Sum(d => d.Document.Length);
            if (documents.Count > MaxOperationsPerBatch || bytes > MaxBytes || documents.Any(d => d.Document.Length > MaxBytes))
                throw new ViewRejectedException(inventoryId, $"The batch of {documents.Count} documents ({bytes:N0} bytes) is over Cosmos DB's limits.");
            etags = [.. views.Select(v => Store(inventoryId, v.View))];
            (LargestDocument, LargestBatch) = (Math.Max(LargestDocument, documents.Max(d => d.Document.Length)), Math.Max(LargestBatch, bytes));
            _writes[inventoryId] = _writes.GetValueOrDefault(inventoryId) + 1;
        }

        if (_loseNextResponse)
        {
            _loseNextResponse = false;
            throw new TimeoutException("Simulated: the views were stored but the response was lost.");
        }
        return etags;
    }

    private static IEnumerable<(string Id, byte[] Document)> Encode(IVersionedView view)
    {
        var codec = ViewCodec.Of(view.GetType());
        return codec.EncodeChangedParts(view).Prepend((codec.Id, codec.Encode(view)));
    }

    private string Store(string inventoryId, IVersionedView view)
    {
        foreach (var (id, document) in Encode(view))
            _documents[(inventoryId, id)] = document;
        return _etags[(inventoryId, ViewCodec.Of(view.GetType()).Id)] = NextETag();
    }

    // As the Cosmos store: a root that cannot be read as a view is reported with a null view and its etag.
    private Stored<IVersionedView>? Read(string inventoryId, ViewRead read)
    {
        var codec = ViewCodec.Of(read.View);
        if (!_documents.TryGetValue((inventoryId, codec.Id), out var root))
            return null;
        var etag = _etags[(inventoryId, codec.Id)];
        try
        {
            var view = codec.Decode(JsonDocument.Parse(root).RootElement);
            return new Stored<IVersionedView>(read.Buckets.Count == 0 ? view : WithParts(view, read.Buckets), etag);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return new Stored<IVersionedView>(null, etag);
        }
    }

    private IVersionedView WithParts(IVersionedView view, IReadOnlyCollection<int> buckets)
    {
        var codec = ViewCodec.Of(view.GetType());
        var parts = buckets.Select(codec.PartId).Where(id => _documents.ContainsKey((view.InventoryId, id)))
            .Select(id => JsonDocument.Parse(_documents[(view.InventoryId, id)]).RootElement).ToList();
        return codec.WithParts(view, buckets, parts);
    }

    private string NextETag() => "\"" + (++_etag).ToString(CultureInfo.InvariantCulture) + "\"";
}
