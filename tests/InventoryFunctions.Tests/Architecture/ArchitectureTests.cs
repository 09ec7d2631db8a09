using InventoryFunctions.Application;

namespace InventoryFunctions.Tests.Architecture;

/// <summary>
/// The layers README draws, enforced: Functions → Http → Application → Domain; Projections → Application and Domain;
/// the Cosmos and Queues adapters → the inner layers; nothing inner uses an adapter, the edge or the cloud SDKs.
/// </summary>
public class ArchitectureTests
{
    private static readonly string[] CloudAndWeb = ["Microsoft.Azure", "Azure.", "Microsoft.AspNetCore"];

    /// <summary>What each layer may use besides itself. "" is the root: the composition root and the app settings.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["Domain"] = [],
        ["Application"] = ["Domain"],
        ["Projections"] = ["Domain", "Application"],
        // What an operator runs and watches (health, status, rebuild jobs, poison replay) drives the projections, not the reverse.
        ["Operations"] = ["Domain", "Application", "Projections"],
        ["Http"] = ["Domain", "Application", "Projections", "Operations"],
        ["Cosmos"] = ["Domain", "Application", "Projections", "Operations", ""],
        ["Queues"] = ["Domain", "Application", "Projections", "Operations", ""],
        // Triggers may read what an adapter wrote (change-feed documents, queue messages), as README's diagram shows.
        ["Functions"] = ["Domain", "Application", "Projections", "Operations", "Http", "Cosmos", "Queues", ""],
        [""] = ["Domain", "Application", "Projections", "Operations", "Http", "Cosmos", "Queues", "Functions"],
    };

    public static readonly IReadOnlyDictionary<string, string[]> ForbiddenExternal = new Dictionary<string, string[]>
    {
        ["Domain"] = [.. CloudAndWeb, "Microsoft.Extensions"],
        ["Application"] = CloudAndWeb,
        ["Projections"] = CloudAndWeb,
        ["Operations"] = CloudAndWeb,
    };

    [Fact]
    public void Every_type_of_the_app_depends_only_inwards()
    {
        var app = typeof(InventoryService).Assembly;
        var rules = new LayerRules("InventoryFunctions", Allowed, ForbiddenExternal);

        Assert.Empty(rules.Violations(app.GetTypes()));
    }

    [Fact]
    public void Every_layer_the_rules_name_holds_types_so_a_renamed_folder_cannot_slip_past()
    {
        var rules = new LayerRules("InventoryFunctions", Allowed, ForbiddenExternal);

        var layers = typeof(InventoryService).Assembly.GetTypes().Select(t => rules.LayerOf(t.Namespace)).OfType<string>().ToHashSet();

        Assert.Equal(Allowed.Keys.Order(), layers.Order());
    }

    // ---- The checker itself, on samples whose violations are known ------------------------------------------------

    private static readonly LayerRules SampleRules = new(typeof(Samples.Domain.Item).Namespace![..^".Domain".Length], Allowed, ForbiddenExternal);

    [Fact]
    public void The_checker_finds_an_inner_type_that_uses_an_adapter_in_a_method_body_only()
    {
        var violations = SampleRules.Violations([typeof(Samples.Domain.ItemThatSavesItself)]);

        Assert.Contains(violations, v => v.Contains("ItemThatSavesItself (Domain) -> ") && v.Contains("Samples.Cosmos.Store (Cosmos)"));
    }

    [Fact]
    public void The_checker_finds_an_adapter_inside_a_generic_signature_and_a_cloud_SDK_type()
    {
        var violations = SampleRules.Violations([typeof(Samples.Application.ServiceHoldingStores)]);

        Assert.Contains(violations, v => v.Contains("ServiceHoldingStores (Application) -> ") && v.Contains("Samples.Cosmos.Store (Cosmos)"));
        Assert.Contains(violations, v => v.Contains("ServiceHoldingStores (Application) -> Microsoft.Azure.Cosmos.PartitionKey (external)"));
    }

    [Fact]
    public void The_checker_passes_types_that_depend_inwards()
    {
        Assert.Empty(SampleRules.Violations([typeof(Samples.Domain.Item), typeof(Samples.Application.GoodService), typeof(Samples.Cosmos.Store)]));
    }
}
