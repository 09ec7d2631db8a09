using InventoryFunctions.Projections;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>Views of one kind in memory, with an etag per write, like <c>CosmosViewStore</c>.</summary>
public sealed class InMemoryViewStore<TView> : IViewStore<TView> where TView : class
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (TView View, string ETag)> _views = new(StringComparer.Ordinal);
    private readonly Func<TView, string> _inventoryIdOf;
    private int _etags;

    public InMemoryViewStore(Func<TView, string> inventoryIdOf) => _inventoryIdOf = inventoryIdOf;

    public TView? Find(string inventoryId)
    {
        lock (_lock)
            return _views.TryGetValue(inventoryId, out var stored) ? stored.View : null;
    }

    public Task<Stored<TView>?> ReadAsync(string inventoryId, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult(_views.TryGetValue(inventoryId, out var stored) ? new Stored<TView>(stored.View, stored.ETag) : null);
    }

    public Task<bool> TryWriteAsync(TView view, string? etag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var inventoryId = _inventoryIdOf(view);
            var exists = _views.TryGetValue(inventoryId, out var stored);
            if (exists ? stored.ETag != etag : etag is not null)
                return Task.FromResult(false);
            _views[inventoryId] = (view, "e" + ++_etags);
            return Task.FromResult(true);
        }
    }
}
