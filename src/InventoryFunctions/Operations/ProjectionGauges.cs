using System.Diagnostics.Metrics;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Operations;

/// <summary>
/// The projection numbers as OpenTelemetry gauges (meter <see cref="MeterName"/>): <c>projection.lag.documents</c> per
/// change-feed function and lease, <c>projection.lag.age</c> (seconds since the oldest unprojected change was written,
/// per function), <c>projection.poison.messages</c>, <c>projection.parked.inventories</c>. They
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
        _meter.CreateObservableGauge("projection.lag.age", ObserveAge, unit: "s",
            description: "Age of the oldest change a change-feed function has not processed yet, when it has one.");
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

    private IEnumerable<Measurement<double>> ObserveAge()
    {
        if (_latest is not { } status)
            yield break;
        foreach (var feed in status.Feeds ?? [])
        {
            if (feed.OldestUnprojectedAt is { } oldest)
                yield return new Measurement<double>((status.At - oldest).TotalSeconds, new KeyValuePair<string, object?>("function", feed.FunctionName));
        }
    }

    private static IEnumerable<Measurement<int>> Observe(int? value) => value is { } v ? [new Measurement<int>(v)] : [];

    public void Dispose() => _meter.Dispose();
}
