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
using Microsoft.Extensions.Options;
using InventoryFunctions.Http;
using InventoryFunctions.Operations;

namespace InventoryFunctions;

public static class InventoryServiceCollectionExtensions
{
    /// <summary>Every registration the app needs; Program.cs calls it; tests build it in process to exercise the adapters.</summary>
    public static IServiceCollection AddInventory(this IServiceCollection services, IConfiguration configuration)
    {
        // Every setting the app reads is bound here and checked at start (SettingsValidation), but the two connections,
        // which fail the first call that needs them instead, so that health can say which dependency is missing.
        services.AddSettings<CosmosOptions>(configuration);
        services.AddSettings<SnapshotOptions>(configuration);
        services.AddSettings<QueueOptions>(configuration);
        services.AddSettings<OperationsOptions>(configuration);
        services.AddSettings<TelemetryOptions>(configuration);
        services.AddSingleton(TimeProvider.System);

        // Bearer tokens: checked by BearerAuthenticationMiddleware against every HTTP function's declared policy.
        services.AddSettings<AuthOptions>(configuration);
        services.AddSingleton(new AccessPolicies(typeof(InventoryServiceCollectionExtensions).Assembly));
        services.AddSingleton(sp => new BearerTokenValidator(sp.GetRequiredService<IOptions<AuthOptions>>(),
            new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<BearerTokenValidator>>()));
        services.AddSingleton<CosmosRequestMetrics>();
        services.AddSingleton(sp => CosmosClientFactory.Create(configuration,
            [sp.GetRequiredService<CosmosRequestMetrics>(), .. sp.GetServices<RequestHandler>()]));
        // Heads cached per instance (10,000 inventories); a stale entry costs one 412 and a reload.
        services.AddMemoryCache(cache => cache.SizeLimit = 10_000);
        services.AddSingleton<IInventoryStream, CosmosInventoryStream>();
        services.AddSingleton<IEventLogReader, CosmosEventLog>();
        services.AddSingleton<InventoryService>();
        services.AddSingleton<InventoryReplay>();
        services.AddSingleton<ITransferStore, CosmosTransferStore>();
        services.AddSingleton<TransferService>();

        services.AddSingleton<IViewStore, CosmosViewStore>();
        services.AddSingleton<IPoisonQueue>(sp => new StoragePoisonQueue(() =>
            StoragePoisonQueue.CreateClient(configuration, sp.GetRequiredService<IOptions<QueueOptions>>().Value.PoisonQueueName)));
        services.AddSingleton<ViewProjectors>();
        services.AddSingleton<IRebuildJobStore, CosmosRebuildJobStore>();
        services.AddSingleton<IRebuildPageQueue>(sp => new StorageRebuildQueue(() =>
            StoragePoisonQueue.CreateClient(configuration, sp.GetRequiredService<IOptions<QueueOptions>>().Value.RebuildQueueName)));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OperationsOptions>>().Value.RebuildJobs);
        services.AddSingleton<RebuildJobs>();
        services.AddSingleton<FreshViews>();

        // Operations: the estimator for every change-feed function the app declares, health, poison replay.
        // Resolved on first use: a missing setting then fails the estimate (health reports it), not the app.
        services.AddSingleton<IChangeFeedMonitor>(sp => new CosmosChangeFeedMonitor(sp.GetRequiredService<CosmosClient>(),
            () => [.. ChangeFeedFunctions.All.Select(f => f.Resolve(configuration))]));
        services.AddSingleton<IParkedInventories, CosmosParkedInventories>();
        services.AddSingleton<IProjectionStatusStore, CosmosProjectionStatusStore>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OperationsOptions>>().Value.Health);
        services.AddSingleton<ProjectionMonitor>();
        services.AddSingleton<PoisonReplay>();
        services.AddSingleton<ProjectionGauges>();
        services.AddInventoryTelemetry(configuration);
        services.AddSingleton<ViewRepair>();
        services.AddSingleton<IGlobalCollectedStore, CosmosGlobalCollectedStore>();
        services.AddSingleton<GlobalCollectedProjector>();
        return services;
    }
}
