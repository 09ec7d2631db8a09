using InventoryFunctions.Cosmos;
using InventoryFunctions.Functions;
using InventoryFunctions.Testing;

namespace InventoryFunctions.Benchmarks.Stack;

/// <summary>
/// The tests' <see cref="LocalStack"/> (dev server and Azurite as child processes, the app's worker under the local
/// Functions host on them) as several app instances on the same stores: the stack's own app takes the benchmark's HTTP
/// load with every change-feed function disabled, and each change-feed function runs alone in an instance of its own
/// (the host's switch <c>AzureWebJobs.&lt;function&gt;.Disabled</c>), as target-based scaling could place them in Azure.
/// Each instance reaches Cosmos DB through its own counting proxy, so the <see cref="RequestLedger"/> tells HTTP round
/// trips from background ones, and one view's change-feed pages and projector requests from another's, across process
/// boundaries. (One instance running every function would put three processors' pages and requests on one wire, where
/// the gap-fill queries and change-feed reads of two views cannot be told apart.)
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    private const string GlobalView = nameof(ProjectGlobalCollectedFunction.ProjectGlobalCollected);

    private readonly LocalStack _stack;
    private readonly IReadOnlyList<LocalApp> _projectors;

    private BenchStack(LocalStack stack, IReadOnlyList<LocalApp> projectors, RequestLedger ledger)
    {
        _stack = stack;
        _projectors = projectors;
        Ledger = ledger;
        SnapshotInterval = int.TryParse(stack.App.Settings.GetValueOrDefault(AppSettings.SnapshotInterval), out var interval) ? interval : new SnapshotOptions().Interval;
    }

    public Uri ApiBase => _stack.App.ApiBase;

    /// <summary>A token (server and admin) from the HTTP instance's development issuer.</summary>
    public string Token => _stack.App.DefaultToken;

    /// <summary>How many times the HTTP instance's app fetched the issuer's JWKS / discovery document since start.</summary>
    public long JwksFetches => _stack.App.Issuer.JwksRequests;

    public long DiscoveryFetches => _stack.App.Issuer.DiscoveryRequests;

    public RequestLedger Ledger { get; }

    /// <summary>The HTTP instance's counting proxy: each round trip with its bytes (the ledger keeps only counts).</summary>
    public CosmosRequestProxy HttpWire => _stack.App.Wire;

    public int SnapshotInterval { get; }

    public static async Task<BenchStack> StartAsync(int pollDelayMs)
    {
        var ledger = new RequestLedger("events", "projections", "leases");
        var pollDelay = new Dictionary<string, string?> { ["LocalHost:FeedPollDelayMs"] = LocalStack.Setting(pollDelayMs) };
        var stack = await LocalStack.StartAsync(
            settings: new Dictionary<string, string?>(pollDelay.Concat(Switches(enabled: null))),
            configureWire: wire => wire.Answered += ledger.RecordHttp);
        var projectors = new List<Task<LocalApp>>();
        try
        {
            foreach (var function in ChangeFeedFunctions.All)
            {
                var projector = ledger.AddProjector(function.Name, function.Name == GlobalView ? ProjectorShape.Global : ProjectorShape.PerInventory);
                projectors.Add(stack.StartAppAsync(
                    new Dictionary<string, string?>(pollDelay.Concat(Switches(enabled: function.Name))),
                    wire =>
                    {
                        wire.KeepBodiesOf.Add("ChangeFeed");
                        wire.Answered += request => ledger.RecordBackground(projector, request);
                    }));
            }
            return new BenchStack(stack, await Task.WhenAll(projectors), ledger);
        }
        catch
        {
            foreach (var started in projectors.Where(p => p.IsCompletedSuccessfully))
                await started.Result.DisposeAsync();
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>The host's switch for every change-feed function: all disabled but <paramref name="enabled"/>.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> Switches(string? enabled) =>
        ChangeFeedFunctions.All.Select(f => KeyValuePair.Create($"AzureWebJobs.{f.Name}.Disabled", (string?)(f.Name == enabled ? "false" : "true")));

    /// <summary>Restarts the HTTP instance's worker: a restarted instance has no head cached.</summary>
    public Task ForgetCachedHeadsAsync() => _stack.App.Workers.RestartWorkerAsync();

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
        (await _stack.App.Workers.GetReadyWorkerAsync(TimeSpan.FromSeconds(60), CancellationToken.None)).HttpUri!;

    public async ValueTask DisposeAsync()
    {
        foreach (var projector in _projectors)
            await projector.DisposeAsync();
        await _stack.DisposeAsync();
    }
}
