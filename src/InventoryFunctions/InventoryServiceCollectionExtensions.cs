using InventoryFunctions.Application;
using InventoryFunctions.Projections;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Functions;
using InventoryFunctions.Http.Auth;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Queues;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace InventoryFunctions;

public static class InventoryServiceCollectionExtensions
{
    /// <summary>Every registration the app needs; Program.cs calls it; tests build it in process to exercise the adapters.</summary>
    public static IServiceCollection AddInventory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CosmosOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SnapshotOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        // Bearer tokens: checked by BearerAuthenticationMiddleware against every HTTP function's declared policy.
        services.AddOptions<AuthOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(new AccessPolicies(typeof(InventoryServiceCollectionExtensions).Assembly));
        services.AddSingleton(sp => new BearerTokenValidator(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>(),
            new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<BearerTokenValidator>>()));
        services.AddSingleton<CosmosRequestMetrics>();
        services.AddSingleton(sp => CosmosClientFactory.Create(configuration,
            [sp.GetRequiredService<CosmosRequestMetrics>(), .. sp.GetServices<RequestHandler>()]));
        // Heads cached per instance (10,000 inventories); a stale entry costs one 412 and a reload.
        services.AddMemoryCache(cache => cache.SizeLimit = 10_000);
        services.AddSingleton<IInventoryStream, CosmosEventStore>();
        services.AddSingleton<IEventLogReader, CosmosEventLog>();
        services.AddSingleton<InventoryService>();
        services.AddSingleton<InventoryReplay>();
        services.AddSingleton<ITransferStore, CosmosTransferStore>();
        services.AddSingleton<TransferService>();

        services.AddSingleton<IProjectionStore, CosmosProjectionStore>();
        services.AddSingleton<IPoisonQueue>(_ => new StoragePoisonQueue(() => StoragePoisonQueue.CreateClient(configuration)));
        services.AddSingleton<InventoryProjector>();
        services.AddSingleton<IRebuildJobStore, CosmosRebuildJobStore>();
        services.AddSingleton<IRebuildPageQueue>(_ => new StorageRebuildQueue(() => StorageRebuildQueue.CreateClient(configuration)));
        services.AddSingleton(new RebuildJobOptions(Math.Clamp(
            configuration.GetValue(AppSettings.RebuildPageSize, RebuildJobOptions.DefaultPageSize), 1, RebuildJobOptions.MaxPageSize)));
        services.AddSingleton<RebuildJobs>();
        services.AddSingleton<FreshViews>();

        // Operations: the estimator for every change-feed function the app declares, health, poison replay.
        // Resolved on first use: a missing setting then fails the estimate (health reports it), not the app.
        services.AddSingleton<IChangeFeedMonitor>(sp => new CosmosChangeFeedMonitor(sp.GetRequiredService<CosmosClient>(),
            () => [.. ChangeFeedFunctions.All.Select(f => f.Resolve(configuration))]));
        services.AddSingleton<IParkedInventories, CosmosParkedInventories>();
        services.AddSingleton<IProjectionStatusStore, CosmosProjectionStatusStore>();
        services.AddSingleton(new HealthPolicy(
            configuration.GetValue(AppSettings.ProjectionLagThreshold, HealthPolicy.Default.LagThreshold),
            TimeSpan.FromSeconds(configuration.GetValue(AppSettings.HealthCacheSeconds, HealthPolicy.Default.CacheFor.TotalSeconds)),
            TimeSpan.FromMinutes(configuration.GetValue(AppSettings.ProjectionStatusStaleMinutes, HealthPolicy.Default.StaleAfter.TotalMinutes)),
            HealthPolicy.Default.RecheckAfter, HealthPolicy.Default.StuckTransferAfter));
        services.AddSingleton<ProjectionMonitor>();
        services.AddSingleton<PoisonReplay>();
        services.AddSingleton<ProjectionGauges>();
        services.AddInventoryTelemetry(configuration);
        services.AddSingleton<IViewCodec<DwellTimeView>, DwellTimeDocument>();
        services.AddSingleton<IViewStore<DwellTimeView>, CosmosViewStore<DwellTimeView>>();
        services.AddSingleton<VersionedViewProjector<DwellTimeView>>();
        services.AddSingleton<IViewCodec<CollectedView>, CollectedViewDocument>();
        services.AddSingleton<IViewStore<CollectedView>, CosmosViewStore<CollectedView>>();
        services.AddSingleton<VersionedViewProjector<CollectedView>>();
        services.AddSingleton<InventoryViewsRebuilder>();
        services.AddSingleton<IGlobalCollectedStore, CosmosGlobalCollectedStore>();
        services.AddSingleton<GlobalCollectedProjector>();
        return services.AddErasure(configuration);
    }
}
