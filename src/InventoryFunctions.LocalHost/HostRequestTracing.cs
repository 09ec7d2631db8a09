using System.Diagnostics;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// Records the host's own request activities, as the Functions host does in <c>"telemetryMode": "OpenTelemetry"</c>:
/// the trace context it hands the worker (the invocation's <c>TraceContext</c>, the forwarded request's
/// <c>traceparent</c>) is then sampled, so the worker's parent-based sampler keeps its spans. Unrecorded, every
/// request's trace would be dropped by the worker.
/// </summary>
public sealed class HostRequestTracing : IHostedService, IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
