using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>
/// Views of one kind in memory as <c>CosmosViewStore</c> keeps them: the documents the real codec writes (root and
/// parts, by id in the inventory's partition), an etag per root write, and Cosmos DB's limits on a transactional batch
/// (100 operations, 2 MB) and on a document (2 MB), refused as Cosmos refuses them.
/// </summary>
public sealed class InMemoryViewStore<TView>(IViewCodec<TView> codec) : IViewStore<TView> where TView : class
{
    private const int MaxOperationsPerBatch = 100;
    private const int MaxBytes = 2 * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string InventoryId, string Id), byte[]> _documents = [];
    private readonly Dictionary<string, string> _etags = new(StringComparer.Ordinal);
    private int _etag;

    /// <summary>Writes done, and the largest document and batch written (bytes).</summary>
    public int Writes { get; private set; }

    public int LargestDocument { get; private set; }

    public int LargestBatch { get; private set; }

    public int PartReads { get; private set; }

    public int DocumentCount(string inventoryId)
    {
        lock (_lock)
            return _documents.Keys.Count(k => k.InventoryId == inventoryId);
    }

    public TView? Find(string inventoryId) => ReadAsync(inventoryId, [], CancellationToken.None).Result?.View;

    /// <summary>Replaces a stored document by hand (a damaged or old-shaped one).</summary>
    public void Put(string inventoryId, string id, string json)
    {
        lock (_lock)
        {
            _documents[(inventoryId, id)] = System.Text.Encoding.UTF8.GetBytes(json);
            if (id == codec.Id)
                _etags[inventoryId] = "e" + ++_etag;
        }
    }

    public Task<Stored<TView>?> ReadAsync(string inventoryId, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_documents.TryGetValue((inventoryId, codec.Id), out var root))
                return Task.FromResult<Stored<TView>?>(null);
            try
            {
                var view = codec.Decode(JsonDocument.Parse(root).RootElement);
                return Task.FromResult<Stored<TView>?>(new Stored<TView>(buckets.Count == 0 ? view : WithParts(view, inventoryId, buckets), _etags[inventoryId]));
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException)
            {
                return Task.FromResult<Stored<TView>?>(new Stored<TView>(null, _etags[inventoryId]));
            }
        }
    }

    public Task<TView> LoadPartsAsync(TView view, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult(buckets.Count == 0 ? view : WithParts(view, codec.InventoryIdOf(view), buckets));
    }

    public Task<string?> TryWriteAsync(TView view, string? etag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var inventoryId = codec.InventoryIdOf(view);
            var exists = _etags.TryGetValue(inventoryId, out var current);
            if (exists ? current != etag : etag is not null)
                return Task.FromResult<string?>(null);
            List<(string Id, byte[] Document)> documents = [(codec.Id, codec.Encode(view)), .. codec.EncodeChangedParts(view)];
            var bytes = documents.Sum(d => d.Document.Length);
            if (documents.Count > MaxOperationsPerBatch || bytes > MaxBytes || documents.Any(d => d.Document.Length > MaxBytes))
                throw new ViewRejectedException(inventoryId, $"The batch of {documents.Count} documents ({bytes:N0} bytes) is over Cosmos DB's limits.");
            foreach (var (id, document) in documents)
                _documents[(inventoryId, id)] = document;
            (Writes, LargestDocument, LargestBatch) = (Writes + 1, Math.Max(LargestDocument, documents.Max(d => d.Document.Length)), Math.Max(LargestBatch, bytes));
            return Task.FromResult<string?>(_etags[inventoryId] = "e" + ++_etag);
        }
    }

    private TView WithParts(TView view, string inventoryId, IReadOnlyCollection<int> buckets)
    {
        PartReads++;
        var parts = buckets.Select(codec.PartId).Where(id => _documents.ContainsKey((inventoryId, id)))
            .Select(id => JsonDocument.Parse(_documents[(inventoryId, id)]).RootElement).ToList();
        return codec.WithParts(view, buckets, parts);
    }
}
