using InventoryFunctions.Cosmos;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Stack;

/// <summary>
/// The tests' <see cref="LocalStack"/> (dev server and Azurite as child processes, the app's worker under the local
/// Functions host on them) as two app instances on the same stores: the stack's own app runs the projector, a second
/// one (its projector disabled) takes the benchmark's HTTP load. Each reaches Cosmos DB through its own counting proxy,
/// which is how the <see cref="RequestLedger"/> tells HTTP round trips from background ones across process boundaries.
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    private readonly LocalStack _stack;
    private readonly LocalApp _http;

    private BenchStack(LocalStack stack, LocalApp http, RequestLedger ledger)
    {
        _stack = stack;
        _http = http;
        Ledger = ledger;
        SnapshotInterval = int.TryParse(http.Settings.GetValueOrDefault(AppSettings.SnapshotInterval), out var interval) ? interval : new SnapshotOptions().Interval;
    }

    public Uri ApiBase => _http.ApiBase;

    public RequestLedger Ledger { get; }

    /// <summary>The HTTP instance's counting proxy: each round trip with its bytes (the ledger keeps only counts).</summary>
    public CosmosRequestProxy HttpWire => _http.Wire;

    public int SnapshotInterval { get; }

    public static async Task<BenchStack> StartAsync(int pollDelayMs)
    {
        var ledger = new RequestLedger("events", "projections");
        var stack = await LocalStack.StartAsync(
            settings: new Dictionary<string, string?> { ["LocalHost:FeedPollDelayMs"] = LocalStack.Setting(pollDelayMs) },
            configureWire: wire =>
            {
                wire.KeepBodiesOf.Add("ChangeFeed");
                wire.Answered += request => ledger.Record(Origin.Background, request);
            });
        try
        {
            var http = await stack.StartAppAsync(configureWire: wire => wire.Answered += request => ledger.Record(Origin.Http, request));
            return new BenchStack(stack, http, ledger);
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Restarts the HTTP instance's worker: a restarted instance has no head cached.</summary>
    public Task ForgetCachedHeadsAsync() => _http.Workers.RestartWorkerAsync();

    /// <summary>Starts another app on the stack's stores and measures its cold start: process start to the first 200 of /api/health.</summary>
    public async Task<TimeSpan> MeasureColdStartAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var app = await _stack.StartAppAsync();
        using var http = app.CreateHttpClient();
        while (true)
        {
            using var response = await http.GetAsync("health");
            if (response.IsSuccessStatusCode)
                return clock.Elapsed;
            await Task.Delay(10);
        }
    }

    /// <summary>The HTTP instance's worker endpoint (its own Kestrel, which the host forwards to).</summary>
    public async Task<Uri> WorkerHttpUriAsync() =>
        (await _http.Workers.GetReadyWorkerAsync(TimeSpan.FromSeconds(60), CancellationToken.None)).HttpUri!;

    public async ValueTask DisposeAsync()
    {
        await _http.DisposeAsync();
        await _stack.DisposeAsync();
    }
}
