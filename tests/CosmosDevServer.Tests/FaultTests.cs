using System.Net;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace CosmosDevServerTests;

/// <summary>
/// The dev server's opt-in fault mode, seen through the official SDK: what each fault kind looks like to a
/// client, what the SDK retries by itself, and what was written. Each test names its container in the rule,
/// and the class has a server of its own, so no other test sees a fault.
/// </summary>
public sealed class FaultTests(CosmosDevServerFixture fixture) : IClassFixture<CosmosDevServerFixture>, IAsyncLifetime
{
    private static readonly PartitionKey Pk = new("p");

    private CosmosDevServer Server => fixture.Server;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Server.ClearFaultsAsync();

    [Fact]
    public async Task Throttling_every_request_exhausts_the_SDK_retries_and_surfaces_429_with_its_retry_after()
    {
        var container = await fixture.NewContainerAsync();
        using var client = Server.CreateClient(o => o.MaxRetryAttemptsOnRateLimitedRequests = 3);
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.TooManyRequests) { Containers = [container.Id], RetryAfterMs = 5 });

        var e = await Assert.ThrowsAsync<CosmosException>(
            () => client.GetContainer(container.Database.Id, container.Id).CreateItemAsync(new TestItem("a", "p", 1), Pk));

        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Equal(3200, e.SubStatusCode);
        Assert.Equal(TimeSpan.FromMilliseconds(5), e.RetryAfter);
        Assert.Equal(1 + 3, (await Server.GetFaultsAsync())[CosmosFaultKind.TooManyRequests]); // the first try and 3 retries
        await Server.ClearFaultsAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("a", Pk)).StatusCode);
    }

    [Fact]
    public async Task Default_client_retries_a_throttled_request_nine_times()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("a", "p", 1), Pk);
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.TooManyRequests) { Containers = [container.Id], RetryAfterMs = 1 });

        var e = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<TestItem>("a", Pk));

        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Equal(1 + 9, (await Server.GetFaultsAsync())[CosmosFaultKind.TooManyRequests]);
    }

    [Fact]
    public async Task Throttling_half_of_the_requests_is_absorbed_by_the_SDK_retries()
    {
        var container = await fixture.NewContainerAsync();
        await Server.SetFaultsAsync(new CosmosFaultRule(0.5, CosmosFaultKind.TooManyRequests) { Containers = [container.Id], RetryAfterMs = 1, Seed = 12 });

        for (var i = 0; i < 20; i++)
        {
            await container.CreateItemAsync(new TestItem($"i{i}", "p", i), Pk);
        }

        var faults = await Server.GetFaultsAsync();
        await Server.ClearFaultsAsync();
        Assert.InRange(faults[CosmosFaultKind.TooManyRequests], 5, faults.Matched - 20);
        var stored = await TestSupport.ReadAllAsync(container.GetItemQueryIterator<TestItem>("SELECT * FROM c"));
        Assert.Equal(20, stored.Count);
    }

    [Theory]
    [InlineData(CosmosFaultKind.ServiceUnavailable, HttpStatusCode.ServiceUnavailable)]
    [InlineData(CosmosFaultKind.RequestTimeout, HttpStatusCode.RequestTimeout)]
    public async Task Unavailable_and_timeout_reach_the_caller_of_a_write_and_apply_nothing(CosmosFaultKind kind, HttpStatusCode expected)
    {
        var container = await fixture.NewContainerAsync();
        await Server.SetFaultsAsync(new CosmosFaultRule(1, kind) { Containers = [container.Id] });

        var e = await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new TestItem("a", "p", 1), Pk));

        var faults = await Server.ClearFaultsAsync();
        Assert.Equal(expected, e.StatusCode);
        Assert.Equal(faults.Matched, faults[kind]);
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("a", Pk)).StatusCode);
    }

    [Fact]
    public async Task Dropped_connection_fails_the_write_and_applies_nothing()
    {
        var container = await fixture.NewContainerAsync();
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.DroppedConnection) { Containers = [container.Id], MaxFaults = 1 });

        // In Gateway mode the SDK neither retries a write whose connection broke nor wraps the error.
        await Assert.ThrowsAsync<HttpRequestException>(() => container.CreateItemAsync(new TestItem("a", "p", 1), Pk));

        var faults = await Server.ClearFaultsAsync();
        Assert.Equal(1, faults[CosmosFaultKind.DroppedConnection]);
        Assert.Equal(HttpStatusCode.NotFound, (await container.ReadItemStreamAsync("a", Pk)).StatusCode);
    }

    [Fact]
    public async Task Dropped_connection_on_a_read_is_retried_by_the_SDK()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("a", "p", 1), Pk);
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.DroppedConnection) { Containers = [container.Id], MaxFaults = 1 });

        var read = await container.ReadItemAsync<TestItem>("a", Pk);

        var faults = await Server.ClearFaultsAsync();
        Assert.Equal(new TestItem("a", "p", 1), read.Resource);
        Assert.Equal((2, 1), (faults.Matched, faults.Total));
    }

    [Fact]
    public async Task Lost_response_fails_the_write_although_it_was_applied()
    {
        var container = await fixture.NewContainerAsync();
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.LostResponse) { Containers = [container.Id], MaxFaults = 1 });

        await Assert.ThrowsAsync<HttpRequestException>(() => container.CreateItemAsync(new TestItem("a", "p", 1), Pk));

        var faults = await Server.ClearFaultsAsync();
        Assert.Equal(1, faults[CosmosFaultKind.LostResponse]);
        Assert.Equal(new TestItem("a", "p", 1), (await container.ReadItemAsync<TestItem>("a", Pk)).Resource);
        // A client that retries the create now learns only that the item exists: hence idempotency keys.
        var retry = await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new TestItem("a", "p", 1), Pk));
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
    }

    [Fact]
    public async Task Metadata_requests_are_not_faulted_unless_named()
    {
        var container = await fixture.NewContainerAsync();
        await container.CreateItemAsync(new TestItem("a", "p", 1), Pk);
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.ServiceUnavailable));
        using var coldClient = Server.CreateClient(); // must read the account, the container and its ranges first
        var cold = coldClient.GetContainer(container.Database.Id, container.Id);

        var properties = await cold.ReadContainerAsync();
        var read = await Assert.ThrowsAsync<CosmosException>(() => cold.ReadItemAsync<TestItem>("a", Pk));

        Assert.Equal(HttpStatusCode.OK, properties.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.ServiceUnavailable) { Operations = ["metadata"] });
        var metadata = await Assert.ThrowsAsync<CosmosException>(() => cold.ReadContainerAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, metadata.StatusCode);
    }

    [Fact]
    public async Task Only_the_named_containers_and_operations_are_faulted()
    {
        var faulted = await fixture.NewContainerAsync();
        var other = await fixture.NewContainerAsync();
        await faulted.CreateItemAsync(new TestItem("a", "p", 1), Pk);
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.ServiceUnavailable) { Containers = [faulted.Id], Operations = ["create"] });

        await other.CreateItemAsync(new TestItem("a", "p", 1), Pk);
        var read = await faulted.ReadItemAsync<TestItem>("a", Pk);
        var create = await Assert.ThrowsAsync<CosmosException>(() => faulted.CreateItemAsync(new TestItem("b", "p", 1), Pk));

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
        var faults = await Server.GetFaultsAsync();
        Assert.Equal(faults.Matched, faults.Total);
    }

    [Fact]
    public async Task Cleared_fault_mode_injects_nothing_and_keeps_its_counts()
    {
        var container = await fixture.NewContainerAsync();
        await Server.SetFaultsAsync(new CosmosFaultRule(1, CosmosFaultKind.ServiceUnavailable) { Containers = [container.Id] });
        await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new TestItem("a", "p", 1), Pk));

        var cleared = await Server.ClearFaultsAsync();
        await container.CreateItemAsync(new TestItem("a", "p", 1), Pk);

        var later = await Server.GetFaultsAsync();
        Assert.False(cleared.Enabled);
        Assert.Equal(1, cleared[CosmosFaultKind.ServiceUnavailable]);
        Assert.Equal((cleared.Matched, cleared.Total), (later.Matched, later.Total));
    }

    [Fact]
    public async Task A_server_started_with_a_rule_is_in_fault_mode_from_its_first_request()
    {
        await using var server = await CosmosDevServer.StartAsync(new CosmosFaultRule(1, CosmosFaultKind.TooManyRequests) { RetryAfterMs = 1 });
        using var client = server.CreateClient();
        var database = (await client.CreateDatabaseAsync("db")).Database; // metadata: not faulted
        var container = (await database.CreateContainerAsync("c", "/pk")).Container;

        var e = await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new TestItem("a", "p", 1), Pk));

        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Equal(10, (await server.GetFaultsAsync())[CosmosFaultKind.TooManyRequests]);
    }

    [Fact]
    public async Task An_invalid_rule_is_refused_and_leaves_fault_mode_as_it_was()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Server.SetFaultsAsync(new CosmosFaultRule(1.5, CosmosFaultKind.ServiceUnavailable)));

        Assert.Contains("rate", e.Message, StringComparison.Ordinal);
        Assert.False((await Server.GetFaultsAsync()).Enabled);
    }
}
