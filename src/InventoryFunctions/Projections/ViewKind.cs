using InventoryFunctions.Domain;

namespace InventoryFunctions.Projections;

/// <summary>
/// One kind of per-inventory view as the projection step drives it, whatever its type: the view's own
/// <c>Empty</c>, <c>Apply</c>, <c>Skip</c> and part bookkeeping, reached without knowing <typeparamref name="TView"/> there.
/// </summary>
public abstract class ViewKind
{
    private ViewKind()
    {
    }

    public abstract Type ViewType { get; }

    public string Name => ViewType.Name;

    public abstract IVersionedView Empty(string inventoryId);

    public abstract IEnumerable<int> PartsFor(RecordedEvent recorded);

    public abstract IVersionedView Apply(IVersionedView view, RecordedEvent recorded);

    public abstract IVersionedView Skip(IVersionedView view, long version, DateTimeOffset detectedAt);

    public abstract IVersionedView WithFailures(IVersionedView view, int failedDeliveries, Parking? parked);

    public abstract IVersionedView WithEmptyParts(IVersionedView view, IEnumerable<int> buckets);

    public abstract IVersionedView Saved(IVersionedView view);

    public static ViewKind Of<TView>() where TView : class, IVersionedView<TView> => new Kind<TView>();

    private sealed class Kind<TView> : ViewKind where TView : class, IVersionedView<TView>
    {
        public override Type ViewType => typeof(TView);

        public override IVersionedView Empty(string inventoryId) => TView.Empty(inventoryId);

        public override IEnumerable<int> PartsFor(RecordedEvent recorded) => TView.PartsFor(recorded);

        public override IVersionedView Apply(IVersionedView view, RecordedEvent recorded) => ((TView)view).Apply(recorded);

        public override IVersionedView Skip(IVersionedView view, long version, DateTimeOffset detectedAt) => ((TView)view).Skip(version, detectedAt);

        public override IVersionedView WithFailures(IVersionedView view, int failedDeliveries, Parking? parked) => ((TView)view).WithFailures(failedDeliveries, parked);

        public override IVersionedView WithEmptyParts(IVersionedView view, IEnumerable<int> buckets) => ((TView)view).WithEmptyParts(buckets);

        public override IVersionedView Saved(IVersionedView view) => ((TView)view).Saved();
    }
}
