using System.Diagnostics.Metrics;

namespace InventoryFunctions.Projections;

/// <summary>
/// The projection numbers as OpenTelemetry gauges (meter <see cref="MeterName"/>): <c>projection.lag.documents</c> per
/// change-feed function and lease, <c>projection.poison.messages</c>, <c>projection.parked.inventories</c>. They
/// report the latest <see cref="Publish"/>ed status; nothing is observed before the first one, or for a part of it
/// that could not be read (a missing point in a chart, not a false zero).
/// </summary>
public sealed class ProjectionGauges : IDisposable
{
    public const string MeterName = "InventoryFunctions.Projections";

    private readonly Meter _meter = new(MeterName);
    private volatile ProjectionStatus? _latest;

    public ProjectionGauges()
    {
        _meter.CreateObservableGauge("projection.lag.documents", ObserveLag, unit: "{document}",
            description: "Changes the change feed estimator counts as not processed yet, per change-feed function and lease.");
        _meter.CreateObservableGauge("projection.poison.messages", () => Observe(_latest?.PoisonMessages), unit: "{message}",
            description: "Approximate number of messages in the poison queue.");
        _meter.CreateObservableGauge("projection.parked.inventories", () => Observe(_latest?.Parked?.Count), unit: "{inventory}",
            description: "Inventories the projector has parked.");
    }

    public void Publish(ProjectionStatus status) => _latest = status;

    private IEnumerable<Measurement<long>> ObserveLag() =>
        from feed in _latest?.Feeds ?? []
        from lease in feed.Leases
        select new Measurement<long>(lease.EstimatedDocuments,
            new KeyValuePair<string, object?>("function", feed.FunctionName), new KeyValuePair<string, object?>("lease", lease.LeaseToken));

    private static IEnumerable<Measurement<int>> Observe(int? value) => value is { } v ? [new Measurement<int>(v)] : [];

    public void Dispose() => _meter.Dispose();
}
