using System.Reflection;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Functions;

/// <summary>A <c>[CosmosDBTrigger]</c> function of the app and its trigger settings as declared.</summary>
public sealed record ChangeFeedFunction(string Name, CosmosDBTriggerAttribute Trigger)
{
    /// <summary>
    /// The processor name the Cosmos DB extension really uses: the lease prefix alone, empty when unset (its
    /// listener passes <c>LeaseContainerPrefix ?? ""</c> to the SDK's processor builder).
    /// </summary>
    public string ProcessorName => Trigger.LeaseContainerPrefix ?? string.Empty;

    /// <summary>The trigger's lease expiration interval: the extension's default (60 s) when the attribute leaves it unset.</summary>
    public TimeSpan LeaseExpiration => TimeSpan.FromMilliseconds(Trigger.LeaseExpirationInterval > 0 ? Trigger.LeaseExpirationInterval : 60_000);

    /// <summary>What a monitor needs to find this function's leases, with binding expressions resolved from <paramref name="configuration"/>.</summary>
    public ChangeFeedSubscription Resolve(IConfiguration configuration)
    {
        var database = ChangeFeedFunctions.Resolve(configuration, Trigger.DatabaseName);
        return new ChangeFeedSubscription(Name, ProcessorName, database, ChangeFeedFunctions.Resolve(configuration, Trigger.ContainerName),
            ChangeFeedFunctions.Resolve(configuration, Trigger.LeaseDatabaseName ?? database),
            ChangeFeedFunctions.Resolve(configuration, Trigger.LeaseContainerName ?? "leases"), LeaseExpiration);
    }
}

/// <summary>Every change-feed function of the app, found from the attributes, so a new one is monitored without a list to keep.</summary>
public static class ChangeFeedFunctions
{
    public static IReadOnlyList<ChangeFeedFunction> All { get; } =
    [
        .. from type in typeof(ChangeFeedFunctions).Assembly.GetTypes()
           from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
           let function = method.GetCustomAttribute<FunctionAttribute>()
           let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<CosmosDBTriggerAttribute>()).FirstOrDefault(a => a is not null)
           where function is not null && trigger is not null
           orderby function.Name
           select new ChangeFeedFunction(function.Name, trigger),
    ];

    /// <summary>Binding expressions name app settings: <c>%Name%</c> → the setting's value.</summary>
    public static string Resolve(IConfiguration configuration, string value) =>
        value is ['%', .. var name, '%']
            ? configuration[name] ?? throw new InvalidOperationException($"App setting '{name}' is not set.")
            : value;
}
