using InventoryFunctions.Cosmos;
using InventoryFunctions.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Benchmarks.Stack;

/// <summary>
/// The tests' <see cref="LocalStack"/> (dev server and Azurite as child processes, the app on them) with what the
/// benchmarks read from the app: its <see cref="CosmosRequestMetrics"/> and a <see cref="RequestLedger"/> in its Cosmos client.
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    private readonly LocalStack _stack;

    private BenchStack(LocalStack stack)
    {
        _stack = stack;
        Metrics = stack.App.Services.GetRequiredService<CosmosRequestMetrics>();
        Ledger = stack.App.Services.GetRequiredService<RequestLedger>();
        SnapshotInterval = stack.App.Services.GetRequiredService<IOptions<SnapshotOptions>>().Value.Interval;
    }

    public Uri ApiBase => _stack.App.ApiBase;

    public CosmosRequestMetrics Metrics { get; }

    public RequestLedger Ledger { get; }

    public int SnapshotInterval { get; }

    public static async Task<BenchStack> StartAsync(int pollDelayMs)
    {
        var stack = await LocalStack.StartAsync(
            settings: new Dictionary<string, string?> { ["ChangeFeedPollDelayMs"] = LocalStack.Setting(pollDelayMs) },
            services: services =>
            {
                services.AddHttpContextAccessor();
                services.AddSingleton(sp =>
                {
                    var options = sp.GetRequiredService<IOptions<CosmosOptions>>().Value;
                    return new RequestLedger(sp.GetRequiredService<IHttpContextAccessor>(), options.EventsContainerName, options.ProjectionsContainerName);
                });
                services.AddSingleton<Microsoft.Azure.Cosmos.RequestHandler>(sp => sp.GetRequiredService<RequestLedger>());
            });
        return new BenchStack(stack);
    }

    /// <summary>Forgets every cached head, as a new or restarted instance would have none.</summary>
    public void ForgetCachedHeads()
    {
        if (_stack.App.Services.GetRequiredService<IMemoryCache>() is MemoryCache cache)
            cache.Clear();
        else
            throw new InvalidOperationException("The app's IMemoryCache is not a MemoryCache; cannot simulate a cold instance.");
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
