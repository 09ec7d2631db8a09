using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>
/// The global counters as <see cref="Cosmos.CosmosGlobalCollectedStore"/> keeps them, in memory: every document has an
/// etag, and a commit is all or nothing, refused when any document changed since it was read.
/// </summary>
public sealed class InMemoryGlobalCollectedStore : IGlobalCollectedStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(int Shard, string InventoryId), Watermark> _watermarks = [];
    private readonly Dictionary<(int Shard, int Bucket), (CollectedCounts Counts, string ETag)> _counts = [];
    private (CollectedBoard Board, string ETag)? _board;
    private int _etag;

    public int Commits { get; private set; }

    public Watermark? WatermarkOf(string inventoryId)
    {
        lock (_lock)
            return _watermarks.Where(w => w.Key.InventoryId == inventoryId).Select(w => w.Value).FirstOrDefault();
    }

    public Task<ShardRead> ReadShardAsync(int shard, IReadOnlyCollection<string> inventoryIds, IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var watermarks = inventoryIds.Where(id => _watermarks.ContainsKey((shard, id)))
                .ToDictionary(id => id, id => _watermarks[(shard, id)]);
            var counts = buckets.ToDictionary(b => b, b => _counts.TryGetValue((shard, b), out var c)
                ? new StoredCounts(c.Counts, c.ETag) : new StoredCounts(CollectedCounts.Empty(shard, b), null));
            return Task.FromResult(new ShardRead(watermarks, counts));
        }
    }

    public Task<bool> TryCommitAsync(int shard, IReadOnlyList<Watermark> watermarks, IReadOnlyList<StoredCounts> counts, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var unchanged = watermarks.All(w => (_watermarks.TryGetValue((shard, w.InventoryId), out var s) ? s.ETag : null) == w.ETag)
                && counts.All(c => (_counts.TryGetValue((shard, c.Counts.Bucket), out var s) ? s.ETag : null) == c.ETag);
            if (!unchanged)
                return Task.FromResult(false);
            foreach (var w in watermarks)
                _watermarks[(shard, w.InventoryId)] = w with { ETag = NextETag() };
            foreach (var c in counts)
                _counts[(shard, c.Counts.Bucket)] = (c.Counts, NextETag());
            Commits++;
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<CollectedCounts>> ReadBucketsAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<CollectedCounts>>([.. _counts.Where(c => buckets.Contains(c.Key.Bucket)).Select(c => c.Value.Counts)]);
    }

    public Task<StoredBoard> ReadBoardAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult(_board is { } b ? new StoredBoard(b.Board, b.ETag) : new StoredBoard(CollectedBoard.Empty, null));
    }

    public Task<bool> TryWriteBoardAsync(CollectedBoard board, string? etag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_board?.ETag != etag)
                return Task.FromResult(false);
            _board = (board, NextETag());
            return Task.FromResult(true);
        }
    }

    private string NextETag() => (++_etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
