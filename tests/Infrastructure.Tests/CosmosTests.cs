using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

[Collection(TemplateTestGroup.Name)]
public sealed class CosmosTests(InfrastructureTemplate template)
{
    [Fact]
    public void Cosmos_is_a_serverless_NoSQL_account_by_default()
    {
        var snapshot = template.Default;

        Assert.Equal("GlobalDocumentDB", (string?)snapshot.CosmosAccount["kind"]);
        Assert.Equal(["EnableServerless"], Capabilities(snapshot));
        Assert.Empty(snapshot.Database["properties"]!["options"]!.AsObject());
    }

    [Fact]
    public void Autoscale_mode_drops_serverless_and_gives_the_database_shared_autoscale_throughput()
    {
        var snapshot = template.Autoscale;

        Assert.Empty(Capabilities(snapshot));
        Assert.Equal(4000, (int)snapshot.Database["properties"]!["options"]!["autoscaleSettings"]!["maxThroughput"]!);
        Assert.All(
            snapshot.OfType("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers"),
            container => Assert.Null(container["properties"]!["options"]));
    }

    [Fact]
    public void The_database_is_named_inventory()
    {
        Assert.Equal("inventory", (string?)template.Default.Database["properties"]!["resource"]!["id"]);
    }

    [Theory]
    [InlineData("events", "/inventoryId")]
    [InlineData("projections", "/inventoryId")]
    [InlineData("leases", "/id")]
    public void Containers_are_partitioned_the_way_the_code_and_the_change_feed_processor_expect(string container, string partitionKey)
    {
        var key = Resource(container)["partitionKey"]!;

        Assert.Equal([partitionKey], key["paths"]!.AsArray().Select(path => (string)path!));
        Assert.Equal("Hash", (string?)key["kind"]);
    }

    [Fact]
    public void Events_index_only_the_fields_the_event_store_filters_and_sorts_on()
    {
        var policy = Resource("events")["indexingPolicy"]!;

        Assert.Equal("consistent", (string?)policy["indexingMode"]);
        Assert.Equal(["/*"], Paths(policy["excludedPaths"]));
        Assert.Equal(
            ["/createdAt/?", "/inventoryId/?", "/kind/?", "/occurredAt/?", "/state/version/?", "/transferState/?", "/version/?"],
            Paths(policy["includedPaths"]).Order());
    }

    [Fact]
    public void Events_let_idempotency_records_expire_while_events_never_do()
    {
        // -1: time to live is on, but only documents with their own 'ttl' (idempotency records) expire.
        Assert.Equal(-1, (int?)Resource("events")["defaultTtl"]);
    }

    [Fact]
    public void Projections_index_only_the_inventory_id()
    {
        var policy = Resource("projections")["indexingPolicy"]!;

        Assert.Equal("consistent", (string?)policy["indexingMode"]);
        Assert.Equal(["/*"], Paths(policy["excludedPaths"]));
        Assert.Equal(["/inventoryId/?"], Paths(policy["includedPaths"]));
    }

    [Fact]
    public void Leases_keep_consistent_indexing_of_everything_for_the_change_feed_processor()
    {
        var policy = Resource("leases")["indexingPolicy"]!;

        Assert.Equal("consistent", (string?)policy["indexingMode"]);
        Assert.Contains("/*", Paths(policy["includedPaths"]));
        Assert.Empty(Paths(policy["excludedPaths"]));
    }

    [Fact]
    public void Leases_have_time_to_live_on_with_nothing_expiring_by_default()
    {
        // The Cosmos DB trigger's documented lease container setting: defaultTtl -1 (a known trigger issue otherwise).
        Assert.Equal(-1, (int?)Resource("leases")["defaultTtl"]);
    }

    private JsonNode Resource(string container) => template.Default.Container(container)["properties"]!["resource"]!;

    private static List<string> Capabilities(Snapshot snapshot) =>
        snapshot.CosmosAccount["properties"]!["capabilities"]!.AsArray().Select(capability => (string)capability!["name"]!).ToList();

    private static List<string> Paths(JsonNode? paths) =>
        paths?.AsArray().Select(path => (string)path!["path"]!).ToList() ?? [];
}
