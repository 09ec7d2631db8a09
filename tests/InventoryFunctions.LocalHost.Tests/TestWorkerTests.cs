using System.Net;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.LocalHost.Tests;

/// <summary>The host against a worker app that is not InventoryFunctions: failures, routes, logs, triggers and retries.</summary>
public sealed class TestWorkerTests(TestWorkerFixture fixture) : IClassFixture<TestWorkerFixture>
{
    private HostedApp App => fixture.App;

    [Fact]
    public async Task A_function_that_throws_answers_500_and_its_logs_reach_the_host_console()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var response = await App.Http.GetAsync($"throws?marker={marker}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var line = await App.Logs.WaitForAsync(l => l.Message.Contains($"About to throw for {marker}", StringComparison.Ordinal), "with the worker's log");
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("Function.Throws.User", line.Category);
        Assert.Contains("LocalHost.TestWorker.HttpFunctions", line.Message, StringComparison.Ordinal); // the worker's own category
        await App.Logs.WaitForAsync(l => l.Level == LogLevel.Error && l.Message.Contains("Executed 'Functions.Throws' (Failed", StringComparison.Ordinal)
            && l.Message.Contains($"Thrown on purpose for {marker}", StringComparison.Ordinal), "reporting the failed invocation");
    }

    [Fact]
    public async Task Routes_come_from_the_metadata_with_their_constraints_and_methods()
    {
        using var put = await App.Http.PutAsync("items/42", null);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var item = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("42", item.GetProperty("id").GetString());
        Assert.Equal("PUT", item.GetProperty("method").GetString());

        using var notAnInt = await App.Http.GetAsync("items/forty-two");
        Assert.Equal(HttpStatusCode.NotFound, notAnInt.StatusCode);
        Assert.Equal("application/problem+json", notAnInt.Content.Headers.ContentType?.MediaType);

        using var wrongMethod = await App.Http.DeleteAsync("items/42");
        Assert.NotEqual(HttpStatusCode.OK, wrongMethod.StatusCode);
    }

    [Fact]
    public async Task Function_keys_are_not_enforced_and_the_worker_gets_the_app_settings()
    {
        using var response = await App.Http.GetAsync("whoami");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("from the host's settings", body.GetProperty("setting").GetString());
        Assert.Equal(App.Workers.WorkerProcessId, body.GetProperty("processId").GetInt32());
        Assert.NotEqual(Environment.ProcessId, body.GetProperty("processId").GetInt32());
    }

    [Fact]
    public async Task Admin_routes_are_reserved_for_the_host()
    {
        using var response = await App.Http.GetAsync(new Uri(App.Http.BaseAddress!, "/admin/host/status"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Lease_documents_are_named_by_the_lease_container_prefix_as_the_extension_names_them()
    {
        await DeliverAsync("without-retry", "WithoutRetry", new { id = "named-" + Guid.NewGuid().ToString("N") });
        var leases = await fixture.LeasesAsync("without-retry-");
        Assert.NotEmpty(leases);
        // The extension's processor name is the prefix alone; the SDK prefixes "<processor><account host>_".
        Assert.All(leases, lease => Assert.StartsWith("without-retry-" + fixture.Cosmos.Endpoint.Host + "_", lease.GetProperty("id").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Under_a_retry_policy_a_failing_batch_is_invoked_again_and_not_checkpointed_until_it_succeeds()
    {
        var checkpoint = await SettledCheckpointAsync("with-retry", "WithRetry", "with-retry-");
        var gate = Path.GetTempFileName();
        var id = "retried-" + Guid.NewGuid().ToString("N");
        await fixture.Monitored("with-retry").CreateItemAsync(new { id, failWhileExists = gate }, new PartitionKey(id));

        await WaitForDeliveryAsync("WithRetry", id, attempt: 3);
        Assert.Equal(checkpoint, await ContinuationAsync("with-retry-"));

        var failedAttempts = DeliveryCount("WithRetry", id);
        File.Delete(gate);
        // Retried forever: the lease can only move on once an invocation after the gate was removed has succeeded.
        await WaitForCheckpointPastAsync("with-retry-", checkpoint);
        Assert.True(DeliveryCount("WithRetry", id) > failedAttempts, $"{id} was not delivered again after the gate was removed");
    }

    [Fact]
    public async Task Without_a_retry_policy_a_failing_batch_is_logged_and_checkpointed()
    {
        var checkpoint = await SettledCheckpointAsync("without-retry", "WithoutRetry", "without-retry-");
        var gate = Path.GetTempFileName();
        var id = "dropped-" + Guid.NewGuid().ToString("N");
        try
        {
            await fixture.Monitored("without-retry").CreateItemAsync(new { id, failWhileExists = gate }, new PartitionKey(id));

            await WaitForDeliveryAsync("WithoutRetry", id, attempt: 1);
            await WaitForCheckpointPastAsync("without-retry-", checkpoint);
            await App.Logs.WaitForAsync(l => l.Level == LogLevel.Error && l.Message.Contains("no retry policy, the lease checkpoints past it", StringComparison.Ordinal), "reporting the dropped batch");
            Assert.Equal(1, DeliveryCount("WithoutRetry", id));
        }
        finally
        {
            File.Delete(gate);
        }
    }

    [Fact]
    public async Task A_function_disabled_by_its_app_setting_is_not_triggered()
    {
        await using var second = await HostedApp.StartAsync(App.ScriptRoot, new Dictionary<string, string?>
        {
            ["CosmosDb"] = fixture.Cosmos.ConnectionString,
            ["CosmosDatabaseName"] = TestWorkerFixture.DatabaseName,
            ["AzureWebJobs.Whoami.Disabled"] = "true",
            ["AzureWebJobs.WithRetry.Disabled"] = "1",
            ["AzureWebJobs.WithoutRetry.Disabled"] = "true",
            ["AzureWebJobs.OnQueueItem.Disabled"] = "true",
            ["AzureWebJobs.OnQueueBytes.Disabled"] = "true",
        });

        using var disabled = await second.Http.GetAsync("whoami");
        Assert.Equal(HttpStatusCode.NotFound, disabled.StatusCode);
        using var enabled = await second.Http.GetAsync("items/7");
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Contains(second.Logs.Lines, l => l.Message.StartsWith("Function WithRetry is disabled", StringComparison.Ordinal));
        Assert.DoesNotContain(second.Logs.Lines, l => l.Message.StartsWith("Cosmos DB trigger", StringComparison.Ordinal));
    }

    private async Task DeliverAsync(string container, string function, object document)
    {
        var id = (string)document.GetType().GetProperty("id")!.GetValue(document)!;
        await fixture.Monitored(container).CreateItemAsync(document, new PartitionKey(id));
        await WaitForDeliveryAsync(function, id, attempt: 1);
    }

    /// <summary>Delivers one document that succeeds and waits until its lease has checkpointed past it; returns that checkpoint.</summary>
    private async Task<string?> SettledCheckpointAsync(string container, string function, string prefix)
    {
        var before = await ContinuationAsync(prefix);
        await DeliverAsync(container, function, new { id = "settle-" + Guid.NewGuid().ToString("N") });
        return await WaitForCheckpointPastAsync(prefix, before);
    }

    private async Task<string?> ContinuationAsync(string prefix)
    {
        var leases = await fixture.LeasesAsync(prefix);
        return leases.Count == 0 ? null
            : string.Join("|", leases.Select(l => l.TryGetProperty("ContinuationToken", out var token) ? token.ToString() : ""));
    }

    private Task<string?> WaitForCheckpointPastAsync(string prefix, string? previous) =>
        Eventually.UntilAsync($"the leases '{prefix}' to checkpoint past {previous ?? "(none)"}", () => ContinuationAsync(prefix),
            current => current is not null && current != previous, describe: current => current ?? "(none)");

    private Task<LogLine> WaitForDeliveryAsync(string function, string id, int attempt) =>
        App.Logs.WaitForAsync(l => l.Message.StartsWith($"Delivered {function} {id} attempt {attempt} ", StringComparison.Ordinal),
            $"delivering {id} to {function} (attempt {attempt})");

    private int DeliveryCount(string function, string id) =>
        App.Logs.Lines.Count(l => l.Message.StartsWith($"Delivered {function} {id} attempt ", StringComparison.Ordinal));
}
