using System.Text.Json;
using InventoryFunctions.Http.Auth;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.Tests;

/// <summary>
/// The <c>functions.metadata</c> the Worker SDK generated when it built the app: what the Functions host will bind.
/// The SDK adds the file to the app's copy-to-output items, so every project referencing the app gets the copy built
/// with the same configuration (Debug or Release) in its own output folder; this test reads that copy.
/// </summary>
public class FunctionMetadataTests
{
    private static readonly Lazy<JsonElement> Metadata = new(Load);

    private static JsonElement Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"No functions.metadata at {path}: the Worker SDK did not generate it when building the app.");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    private static JsonElement Function(string name) =>
        Assert.Single(Metadata.Value.EnumerateArray(), f => f.GetProperty("name").GetString() == name);

    private static JsonElement Trigger(JsonElement function) =>
        Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    private static IEnumerable<JsonElement> HttpFunctions() =>
        Metadata.Value.EnumerateArray().Where(f => Trigger(f).GetProperty("type").GetString() == "httpTrigger");

    [Theory]
    [MemberData(nameof(ChangeFeedFunctions))]
    public void Change_feed_function_is_triggered_by_the_change_feed_of_the_events_container_named_by_app_settings(string name)
    {
        var trigger = Trigger(Function(name));

        Assert.Equal("cosmosDBTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("In", trigger.GetProperty("direction").GetString());
        Assert.Equal("CosmosDb", trigger.GetProperty("connection").GetString());
        Assert.Equal("%CosmosDatabaseName%", trigger.GetProperty("databaseName").GetString());
        Assert.Equal("%EventsContainerName%", trigger.GetProperty("containerName").GetString());
        Assert.Equal("%LeasesContainerName%", trigger.GetProperty("leaseContainerName").GetString());
        Assert.True(trigger.GetProperty("startFromBeginning").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(ChangeFeedFunctions))]
    public void Change_feed_function_never_creates_its_lease_container(string name)
    {
        var trigger = Trigger(Function(name));

        // Creating it needs keys or a control-plane role: infrastructure declares it instead.
        Assert.False(trigger.GetProperty("createLeaseContainerIfNotExists").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(ChangeFeedFunctions))]
    public void Change_feed_function_has_an_exponential_backoff_retry_policy_so_a_failed_batch_is_not_checkpointed(string name)
    {
        var retry = Function(name).GetProperty("retry");

        Assert.Equal("exponentialBackoff", retry.GetProperty("strategy").GetString());
        Assert.Equal(-1, retry.GetProperty("maxRetryCount").GetInt32());
        Assert.Equal("00:00:01", retry.GetProperty("minimumInterval").GetString());
        Assert.Equal("00:01:00", retry.GetProperty("maximumInterval").GetString());
    }

    [Fact]
    public void The_app_has_the_change_feed_functions_the_rebuild_queue_function_the_status_timer_and_otherwise_only_HTTP_functions()
    {
        var triggers = Metadata.Value.EnumerateArray()
            .Select(f => (Name: f.GetProperty("name").GetString(), Type: Trigger(f).GetProperty("type").GetString()))
            .ToList();

        Assert.Equal(ChangeFeedFunctionNames.Select(f => ((string?)f, (string?)"cosmosDBTrigger")), triggers.Where(t => t.Type == "cosmosDBTrigger"));
        Assert.Equal([("RebuildProjectionsPage", "queueTrigger")], triggers.Where(t => t.Type == "queueTrigger"));
        Assert.Equal([("PublishProjectionStatus", "timerTrigger"), ("RecoverTransfers", "timerTrigger")], triggers.Where(t => t.Type == "timerTrigger").OrderBy(t => t.Name));
        Assert.Equal(["cosmosDBTrigger", "httpTrigger", "queueTrigger", "timerTrigger"], triggers.Select(t => t.Type).Distinct().Order());
        Assert.Equal("%ProjectionStatusSchedule%", Trigger(Function("PublishProjectionStatus")).GetProperty("schedule").GetString());
        Assert.Contains(triggers, t => t.Name == "GetInventory");
        Assert.Contains(triggers, t => t.Name == "GetMostCollected");
    }

    /// <summary>Every change-feed function, by name; each keeps its own checkpoints under its own lease prefix.</summary>
    public static TheoryData<string> ChangeFeedFunctions => new(ChangeFeedFunctionNames);

    private static readonly string[] ChangeFeedFunctionNames = ["CompleteTransfers", "ProjectDwellTime", "ProjectGlobalCollected", "ProjectInventory"];

    [Fact]
    public void Change_feed_functions_on_the_same_container_have_distinct_lease_prefixes_so_they_do_not_share_leases()
    {
        var prefixes = ChangeFeedFunctionNames.Select(f => Trigger(Function(f)).TryGetProperty("leaseContainerPrefix", out var p) ? p.GetString() : "").ToList();
        Assert.Equal(prefixes.Count, prefixes.Distinct().Count());
    }

    [Fact]
    public void Every_HTTP_function_is_anonymous_at_the_host_because_the_app_checks_the_bearer_token_itself()
    {
        var levels = HttpFunctions().ToDictionary(f => f.GetProperty("name").GetString()!, f => Trigger(f).GetProperty("authLevel").GetString());

        // A function key is a shared secret that cannot ship in a player's client: the host lets every request through
        // and BearerAuthenticationMiddleware decides, by the policy each function declares.
        Assert.NotEmpty(levels);
        Assert.All(levels, l => Assert.Equal(nameof(AuthorizationLevel.Anonymous), l.Value));
    }

    [Fact]
    public void Every_HTTP_route_in_functions_metadata_declares_an_access_policy()
    {
        var policies = new AccessPolicies(typeof(AccessPolicies).Assembly);

        var undeclared = HttpFunctions().Select(f => f.GetProperty("name").GetString()!).Where(name => policies.For(name) is null).ToList();

        Assert.True(undeclared.Count == 0, $"HTTP functions without [Access(...)]: {string.Join(", ", undeclared)}");
        Assert.Empty(policies.Undeclared);
    }

    [Fact]
    public void Only_health_the_explorer_page_the_API_contract_its_reference_page_and_the_unknown_route_catch_all_are_anonymous()
    {
        var policies = new AccessPolicies(typeof(AccessPolicies).Assembly);

        var anonymous = HttpFunctions().Select(f => f.GetProperty("name").GetString()!).Where(name => policies.For(name) == AccessPolicy.Anonymous);

        // The contract and its reference page are public documentation, as API Management and generators fetch them.
        Assert.Equal(["ApiReference", "Explorer", "Health", "OpenApiDocument", "UnknownRoute"], anonymous.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("GetInventory", "inventories/{inventoryId}")]
    [InlineData("GetMostCollected", "inventories/{inventoryId}/most-collected")]
    public void The_read_API_is_a_GET_on_its_route(string name, string route)
    {
        var trigger = Trigger(Function(name));

        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal(["get"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void The_rebuild_pages_run_from_the_rebuild_queue_on_the_poison_queues_storage_connection()
    {
        var trigger = Trigger(Function("RebuildProjectionsPage"));

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("%" + AppSettings.RebuildQueueName + "%", trigger.GetProperty("queueName").GetString());
        Assert.Equal(AppSettings.PoisonQueueConnection, trigger.GetProperty("connection").GetString());
    }
}
