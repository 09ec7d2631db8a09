using InventoryFunctions.Application;
using InventoryFunctions.Projections;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Queues;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace InventoryFunctions;

public static class InventoryServiceCollectionExtensions
{
    /// <summary>Every registration the app needs; the Functions host and the dev host both call this.</summary>
    public static IServiceCollection AddInventory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CosmosOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SnapshotOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CosmosRequestMetrics>();
        services.AddSingleton(sp => CosmosClientFactory.Create(configuration,
            [sp.GetRequiredService<CosmosRequestMetrics>(), .. sp.GetServices<RequestHandler>()]));
        // Heads cached per instance (10,000 inventories); a stale entry costs one 412 and a reload.
        services.AddMemoryCache(cache => cache.SizeLimit = 10_000);
        services.AddSingleton<IInventoryStream, CosmosEventStore>();
        services.AddSingleton<IEventLogReader, CosmosEventLog>();
        services.AddSingleton<InventoryService>();
        services.AddSingleton<InventoryReplay>();

        services.AddSingleton<IProjectionStore, CosmosProjectionStore>();
        services.AddSingleton<IPoisonQueue>(_ => new StoragePoisonQueue(StoragePoisonQueue.CreateClient(configuration)));
        services.AddSingleton<InventoryProjector>();
        services.AddSingleton<IViewCodec<DwellTimeView>, DwellTimeDocument>();
        services.AddSingleton<IViewStore<DwellTimeView>, CosmosViewStore<DwellTimeView>>();
        services.AddSingleton<VersionedViewProjector<DwellTimeView>>();
        services.AddSingleton<IGlobalCollectedStore, CosmosGlobalCollectedStore>();
        services.AddSingleton<GlobalCollectedProjector>();
        return services;
    }
}
