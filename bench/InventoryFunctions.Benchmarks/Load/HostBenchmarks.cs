using System.Diagnostics;
using InventoryFunctions.Benchmarks.Report;
using InventoryFunctions.Benchmarks.Stack;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>
/// What the local Functions host itself costs: cold start (a new host and worker process to the first 200 of
/// /api/health), and the host→worker hop. A function cannot be called at the worker without its InvocationRequest
/// (the worker pairs the two), so the hop is measured as a request the worker's Kestrel answers itself (a path no
/// function serves: its routing answers 404) next to the same path answered by the host, and GET /api/health through
/// the host (one gRPC invocation, one forwarded request, one Cosmos DB read).
/// </summary>
public static class HostBenchmarks
{
    public static async Task<HostNumbers> RunAsync(BenchStack stack, int coldStarts, int requests)
    {
        Console.WriteLine("==> the local host: cold start and host→worker hop");
        var cold = new List<double>();
        for (var i = 0; i < coldStarts; i++)
            cold.Add((await stack.MeasureColdStartAsync()).TotalMilliseconds);

        using var viaHost = new HttpClient { BaseAddress = stack.ApiBase };
        using var atWorker = new HttpClient { BaseAddress = new Uri(await stack.WorkerHttpUriAsync(), "/api/") };
        var health = await SampleAsync(viaHost, "health", requests);
        var hostOnly = await SampleAsync(viaHost, "no-such-function", requests);
        var workerOnly = await SampleAsync(atWorker, "no-such-function", requests);
        var numbers = new HostNumbers(LatencySummary.Of(cold), health, hostOnly, workerOnly);
        Console.WriteLine($"  cold start p50 {numbers.ColdStart.P50:N0} ms; GET /api/health p50 {health.P50:N2} ms via the host; "
            + $"404 p50 {hostOnly.P50:N2} ms from the host, {workerOnly.P50:N2} ms from the worker's Kestrel directly");
        return numbers;
    }

    private static async Task<LatencySummary> SampleAsync(HttpClient http, string path, int count)
    {
        for (var i = 0; i < 20; i++)
            (await http.GetAsync(path)).Dispose(); // warm-up
        var samples = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return LatencySummary.Of(samples);
    }
}
