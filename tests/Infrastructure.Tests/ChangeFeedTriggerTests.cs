using System.Text.Json.Nodes;
using InventoryFunctions.Functions;

namespace Infrastructure.Tests;

/// <summary>
/// Platform settings the Cosmos DB trigger's users trip over, checked for every change-feed function the code
/// declares (found from its attributes, so a new one is held to the same rules).
/// </summary>
[Collection(TemplateTestGroup.Name)]
public sealed class ChangeFeedTriggerTests(InfrastructureTemplate template)
{
    public static TheoryData<string> ChangeFeedFunctionNames() => [.. ChangeFeedFunctions.All.Select(f => f.Name)];

    [Fact]
    public void The_app_has_change_feed_functions()
    {
        Assert.Contains(nameof(ProjectInventoryFunction.ProjectInventory), ChangeFeedFunctions.All.Select(f => f.Name));
    }

    [Theory]
    [MemberData(nameof(ChangeFeedFunctionNames))]
    public void Each_change_feed_function_sets_MaxItemsPerInvocation_explicitly(string name)
    {
        // Target-based scaling divides the backlog by it; left unset, the scaler assumes a default the code never chose.
        Assert.InRange(Function(name).Trigger.MaxItemsPerInvocation, 1, 10_000);
    }

    [Fact]
    public void Each_change_feed_function_has_a_lease_prefix_of_its_own()
    {
        var prefixes = ChangeFeedFunctions.All.Select(f => f.Trigger.LeaseContainerPrefix).ToList();

        Assert.All(prefixes, prefix => Assert.False(string.IsNullOrWhiteSpace(prefix)));
        // No prefix may start another: the processor finds its leases by id prefix, so "a" would also claim "ab…".
        Assert.All(prefixes, prefix => Assert.Single(prefixes, other => other!.StartsWith(prefix!, StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(ChangeFeedFunctionNames))]
    public void Each_change_feed_function_keeps_an_always_ready_instance_on_Flex_Consumption(string name)
    {
        // A Cosmos DB trigger does not wake an app scaled to zero on its own; on Flex it scales as 'function:<name>'.
        var alwaysReady = AlwaysReady();

        Assert.True(alwaysReady.TryGetValue("function:" + name, out var instances), $"no alwaysReady entry for function:{name}: {string.Join(", ", alwaysReady.Keys)}");
        Assert.True(instances >= 1);
    }

    [Fact]
    public void Always_ready_instances_name_only_functions_that_exist()
    {
        var names = ChangeFeedFunctions.All.Select(f => "function:" + f.Name).ToHashSet(StringComparer.Ordinal);

        Assert.All(AlwaysReady().Keys, key => Assert.Contains(key, names));
    }

    private static ChangeFeedFunction Function(string name) => ChangeFeedFunctions.All.Single(f => f.Name == name);

    private Dictionary<string, int> AlwaysReady() =>
        (Snapshot.Properties(template.Default.FunctionApp)["functionAppConfig"]!["scaleAndConcurrency"]!["alwaysReady"] as JsonArray ?? [])
            .ToDictionary(entry => (string)entry!["name"]!, entry => (int)entry!["instanceCount"]!, StringComparer.Ordinal);
}
