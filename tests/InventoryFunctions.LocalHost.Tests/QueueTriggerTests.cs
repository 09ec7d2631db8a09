using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.LocalHost.Tests;

/// <summary>The test worker's queue trigger (tests/LocalHost.TestWorker, <c>OnQueueItem</c>) on the local host, against Azurite.</summary>
public sealed class QueueWorkerFixture : IAsyncLifetime
{
    /// <summary>Received messages stay invisible this long (renewed half-way while they run) instead of 10 minutes.</summary>
    public const int LeaseSeconds = 4;

    public AzuriteServer Azurite { get; private set; } = null!;
    public HostedApp App { get; private set; } = null!;
    public string QueueName { get; } = "items-" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        App = await StartHostAsync(QueueName);
    }

    /// <summary>A host of the test worker whose queue trigger listens to <paramref name="queueName"/>; Cosmos DB triggers off.</summary>
    public Task<HostedApp> StartHostAsync(string queueName) =>
        HostedApp.StartAsync(HostedApp.OutputOf("tests/LocalHost.TestWorker", "LocalHost.TestWorker.dll"), new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["TestQueueName"] = queueName,
            ["TestBytesQueueName"] = queueName + "-bytes",
            ["LocalHost:QueueMessageLeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AzureWebJobs.WithRetry.Disabled"] = "true",
            ["AzureWebJobs.WithoutRetry.Disabled"] = "true",
        });

    /// <summary>A client of the queue as an app writes to it for the trigger: base64 bodies.</summary>
    public QueueClient Queue(string name, QueueMessageEncoding encoding = QueueMessageEncoding.Base64) =>
        new(Azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = encoding });

    public async Task DisposeAsync()
    {
        if (App is not null)
            await App.DisposeAsync();
        if (Azurite is not null)
            await Azurite.DisposeAsync();
    }
}

public sealed class QueueTriggerTests(QueueWorkerFixture fixture) : IClassFixture<QueueWorkerFixture>
{
    private HostedApp App => fixture.App;

    [Fact]
    public async Task A_message_that_succeeds_is_delivered_once_with_its_binding_data_and_then_deleted()
    {
        var queue = await QueueAsync(fixture.QueueName);
        var id = NewId();
        var body = JsonSerializer.Serialize(new { id });
        var sent = (await queue.SendMessageAsync(body)).Value;

        await WaitForCompletedAsync(App, id, dequeueCount: 1);
        await WaitUntilEmptyAsync(queue);
        var delivery = Assert.Single(Deliveries(App, id));
        Assert.Contains($"messageId {sent.MessageId} ", delivery.Message, StringComparison.Ordinal);
        Assert.Contains($"trigger {body} (", delivery.Message, StringComparison.Ordinal); // then the worker's log category
        Assert.Contains(App.Logs.Lines, l => l.Message.StartsWith("Queue trigger OnQueueItem listens to queue " + fixture.QueueName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_message_is_delivered_again_with_a_growing_dequeue_count_until_it_succeeds()
    {
        var queue = await QueueAsync(fixture.QueueName);
        var id = NewId();
        await queue.SendMessageAsync(JsonSerializer.Serialize(new { id, failUntilDequeueCount = 3 }));

        await WaitForCompletedAsync(App, id, dequeueCount: 3);
        await WaitUntilEmptyAsync(queue);
        Assert.Equal([1L, 2L, 3L], DequeueCounts(App, id));
        Assert.DoesNotContain(await PoisonBodiesAsync(fixture.QueueName), b => b.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_binary_binding_gets_the_decoded_bytes_and_no_text_when_they_are_not_UTF8()
    {
        var queue = await QueueAsync(fixture.QueueName + "-bytes");
        byte[] body = [0xff, 0x00, 0xfe, 0x41, (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(256)];
        await queue.SendMessageAsync(new BinaryData(body));

        var hex = Convert.ToHexString(body);
        await App.Logs.WaitForAsync(l => l.Message.StartsWith($"Bytes {hex} text False ", StringComparison.Ordinal), $"delivering the bytes {hex}");
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public async Task A_message_that_fails_five_times_moves_to_the_poison_queue()
    {
        var queue = await QueueAsync(fixture.QueueName);
        var id = NewId();
        var body = JsonSerializer.Serialize(new { id, failUntilDequeueCount = 99 });
        await queue.SendMessageAsync(body);

        await Eventually.UntilAsync($"{id} in {fixture.QueueName}-poison", async () => (await PoisonBodiesAsync(fixture.QueueName)).Contains(body));
        await WaitUntilEmptyAsync(queue);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], DequeueCounts(App, id));
        Assert.Contains(App.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("Message has reached MaxDequeueCount of 5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_that_is_not_base64_goes_to_the_poison_queue_undelivered()
    {
        var queue = await QueueAsync(fixture.QueueName);
        var id = NewId();
        var text = $"{{\"id\":\"{id}\"}} is not base64!";
        await fixture.Queue(fixture.QueueName, QueueMessageEncoding.None).SendMessageAsync(text);

        await Eventually.UntilAsync($"the undecodable message in {fixture.QueueName}-poison", async () => (await PoisonBodiesAsync(fixture.QueueName, QueueMessageEncoding.None)).Contains(text));
        await WaitUntilEmptyAsync(queue);
        Assert.Empty(Deliveries(App, id));
    }

    [Fact]
    public async Task A_message_whose_invocation_outlasts_its_lease_stays_invisible_and_is_delivered_once()
    {
        var queue = await QueueAsync(fixture.QueueName);
        var id = NewId();
        var hold = Path.GetTempFileName();
        await queue.SendMessageAsync(JsonSerializer.Serialize(new { id, holdWhileExists = hold }));

        await WaitForDeliveryAsync(App, id, dequeueCount: 1);
        // Two and a half leases long: without renewal the message would be received again meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(2.5 * QueueWorkerFixture.LeaseSeconds));
        File.Delete(hold);
        await WaitForCompletedAsync(App, id, dequeueCount: 1);
        await WaitUntilEmptyAsync(queue);
        Assert.True(DequeueCounts(App, id) is [1L], string.Join("\n", App.Logs.Lines.Where(l => l.Message.Contains(id, StringComparison.Ordinal) || l.Message.Contains("invisible", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_message_whose_worker_is_killed_mid_invocation_is_delivered_again()
    {
        var queue = await QueueAsync(fixture.QueueName);
        var id = NewId();
        var hold = Path.GetTempFileName();
        await queue.SendMessageAsync(JsonSerializer.Serialize(new { id, holdWhileExists = hold }));

        await WaitForDeliveryAsync(App, id, dequeueCount: 1);
        using (var kill = Process.Start("kill", ["-9", App.Workers.WorkerProcessId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        File.Delete(hold);

        await WaitForCompletedAsync(App, id, dequeueCount: 2);
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public async Task A_message_in_flight_when_the_host_stops_is_not_lost_and_reappears_after_its_lease()
    {
        var queueName = "restart-" + Guid.NewGuid().ToString("N")[..12];
        var queue = await QueueAsync(queueName);
        var id = NewId();
        var hold = Path.GetTempFileName();
        await queue.SendMessageAsync(JsonSerializer.Serialize(new { id, holdWhileExists = hold }));

        var first = await fixture.StartHostAsync(queueName);
        try
        {
            await WaitForDeliveryAsync(first, id, dequeueCount: 1);
        }
        finally
        {
            await first.DisposeAsync(); // the host and its worker go away mid-invocation
            File.Delete(hold);
        }
        Assert.Empty(Completions(first, id));
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        await using var second = await fixture.StartHostAsync(queueName);
        await WaitForCompletedAsync(second, id, dequeueCount: 2, TimeSpan.FromSeconds(60));
        await WaitUntilEmptyAsync(queue);
    }

    private async Task<QueueClient> QueueAsync(string name)
    {
        var queue = fixture.Queue(name);
        await queue.CreateIfNotExistsAsync();
        return queue;
    }

    private async Task<List<string>> PoisonBodiesAsync(string queueName, QueueMessageEncoding encoding = QueueMessageEncoding.Base64)
    {
        var poison = fixture.Queue(queueName + "-poison", encoding);
        if (!(await poison.ExistsAsync()).Value)
            return [];
        return [.. (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString())];
    }

    private static string NewId() => "m-" + Guid.NewGuid().ToString("N");

    private static Task<LogLine> WaitForDeliveryAsync(HostedApp app, string id, long dequeueCount) =>
        app.Logs.WaitForAsync(l => l.Message.StartsWith($"Dequeued {id} count {dequeueCount} ", StringComparison.Ordinal), $"delivering {id} (dequeue count {dequeueCount})");

    private static Task<LogLine> WaitForCompletedAsync(HostedApp app, string id, long dequeueCount, TimeSpan? timeout = null) =>
        app.Logs.WaitForAsync(l => l.Message.StartsWith($"Completed {id} at count {dequeueCount} ", StringComparison.Ordinal), $"completing {id} at dequeue count {dequeueCount}", timeout);

    private static List<LogLine> Deliveries(HostedApp app, string id) =>
        [.. app.Logs.Lines.Where(l => l.Message.StartsWith($"Dequeued {id} count ", StringComparison.Ordinal))];

    private static List<LogLine> Completions(HostedApp app, string id) =>
        [.. app.Logs.Lines.Where(l => l.Message.StartsWith($"Completed {id} at count ", StringComparison.Ordinal))];

    private static List<long> DequeueCounts(HostedApp app, string id) =>
        [.. Deliveries(app, id).Select(l => long.Parse(l.Message.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Waits until no message is left in the queue, visible or not (the approximate count includes invisible ones).</summary>
    private static Task<int> WaitUntilEmptyAsync(QueueClient queue) =>
        Eventually.UntilAsync($"queue {queue.Name} to be empty", async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount, count => count == 0);
}
