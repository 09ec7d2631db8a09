using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Projections;
using InventoryFunctions.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InventoryFunctions;

public static class ErasureServiceCollectionExtensions
{
    /// <summary>
    /// Erasure: its options, stores, queue and use case, and the guards in front of every view store that keep an erased
    /// inventory's views, watermark and head from being created again. Called by <c>AddInventory</c>, after the stores it guards.
    /// </summary>
    public static IServiceCollection AddErasure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ErasureOptions>(configuration);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ErasureOptions>>().Value);
        services.AddSingleton<CosmosErasureStore>();
        services.AddSingleton<IErasureRegistry>(sp => sp.GetRequiredService<CosmosErasureStore>());
        services.AddSingleton<IErasureJobStore>(sp => sp.GetRequiredService<CosmosErasureStore>());
        services.AddSingleton<IInventoryPartitions, CosmosInventoryPartitions>();
        services.AddSingleton<IGlobalCollectedEraser, CosmosGlobalCollectedEraser>();
        services.AddSingleton<IErasureQueue>(sp => new StorageErasureQueue(() =>
            StoragePoisonQueue.CreateClient(configuration, sp.GetRequiredService<IOptions<QueueOptions>>().Value.ErasureQueueName)));
        services.AddSingleton<GlobalCollectedErasure>();
        services.AddSingleton<ErasureJobs>();

        Decorate<IViewStore>(services, (inner, sp) => ActivatorUtilities.CreateInstance<ErasureGuardedViewStore>(sp, inner));
        Decorate<IGlobalCollectedStore>(services, (inner, sp) => ActivatorUtilities.CreateInstance<ErasureGuardedGlobalCollectedStore>(sp, inner));
        return services;
    }

    /// <summary>Replaces the registration of <typeparamref name="TService"/> (a type registered as a singleton) with <paramref name="wrap"/> around it.</summary>
    private static void Decorate<TService>(IServiceCollection services, Func<TService, IServiceProvider, TService> wrap) where TService : class
    {
        var registered = services.Single(d => d.ServiceType == typeof(TService));
        var implementation = registered.ImplementationType
            ?? throw new InvalidOperationException($"{typeof(TService).Name} must be registered by type to be guarded for erasure.");
        services.Remove(registered);
        services.AddSingleton<TService>(sp => wrap((TService)ActivatorUtilities.CreateInstance(sp, implementation), sp));
    }
}
