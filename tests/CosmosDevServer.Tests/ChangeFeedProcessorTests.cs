using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Xunit;
using Xunit.Abstractions;

namespace CosmosDevServerTests;

public sealed class ChangeFeedProcessorTests(CosmosDevServerFixture fixture, ITestOutputHelper output)
    : IClassFixture<CosmosDevServerFixture>
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private sealed class Delivery
    {
        public ConcurrentQueue<(string Id, int N, long AtTicks)> Items { get; } = new();

        public Task HandleAsync(ChangeFeedProcessorContext context, IReadOnlyCollection<TestItem> changes, CancellationToken ct)
        {
            foreach (var item in changes)
            {
                Items.Enqueue((item.Id, item.N, Stopwatch.GetTimestamp()));
            }

            return Task.CompletedTask;
        }

        public Task<List<string>> WaitForAsync(Func<List<string>, bool> done) =>
            Eventually.UntilAsync("the deliveries awaited", Ids, done, Timeout, TimeSpan.FromMilliseconds(20));

        public List<string> Ids() => Items.Select(i => i.Id).ToList();
    }

    private async Task<(Container Monitored, Container Leases)> ContainersAsync()
    {
        var monitored = await fixture.NewContainerAsync();
        var leases = await fixture.NewContainerAsync("/id");
        return (monitored, leases);
    }

    private static ChangeFeedProcessor Processor(Container monitored, Container leases, Delivery delivery, DateTime? startTime = null)
    {
        var builder = monitored.GetChangeFeedProcessorBuilder<TestItem>("inventory", delivery.HandleAsync)
            .WithInstanceName("instance-a")
            .WithLeaseContainer(leases)
            .WithPollInterval(PollInterval);
        if (startTime is { } time)
        {
            builder = builder.WithStartTime(time);
        }

        return builder.Build();
    }

    [Fact]
    public async Task Change_feed_processor_delivers_new_writes_within_a_poll_interval_or_two()
    {
        var (monitored, leases) = await ContainersAsync();
        var delivery = new Delivery();
        var processor = Processor(monitored, leases, delivery, startTime: DateTime.UtcNow.AddSeconds(-1));
        await processor.StartAsync();
        try
        {
            await monitored.CreateItemAsync(new TestItem("warm-up", "p", 0), new PartitionKey("p"));
            await delivery.WaitForAsync(ids => ids.Contains("warm-up"));

            var latencies = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var written = Stopwatch.GetTimestamp();
                await monitored.CreateItemAsync(new TestItem($"item{i}", $"p{i % 2}", i), new PartitionKey($"p{i % 2}"));
                await delivery.WaitForAsync(ids => ids.Contains($"item{i}"));
                var at = delivery.Items.First(d => d.Id == $"item{i}").AtTicks;
                latencies.Add(Stopwatch.GetElapsedTime(written, at).TotalMilliseconds);
            }

            output.WriteLine($"write-to-delivery latencies (ms): {string.Join(", ", latencies.Select(l => l.ToString("0", CultureInfo.InvariantCulture)))}");
            Assert.All(latencies, l => Assert.True(l < 2000, $"latency {l} ms"));
            Assert.Equal(["warm-up", "item0", "item1", "item2", "item3", "item4"], delivery.Ids());
        }
        finally
        {
            await processor.StopAsync();
        }
    }

    [Fact]
    public async Task Change_feed_processor_resumes_from_its_lease_without_redelivery()
    {
        var (monitored, leases) = await ContainersAsync();
        var firstRun = new Delivery();
        var processor = Processor(monitored, leases, firstRun, startTime: DateTime.UtcNow.AddSeconds(-1));
        await processor.StartAsync();
        await TestSupport.CreateItemsAsync(monitored, 3, i => $"p{i}");
        await firstRun.WaitForAsync(ids => ids.Count >= 3);
        await processor.StopAsync();

        var pk = new PartitionKey("p");
        await monitored.CreateItemAsync(new TestItem("while-stopped", "p", 10), pk);
        await monitored.UpsertItemAsync(new TestItem("item001", "p1", 11), new PartitionKey("p1"));

        var secondRun = new Delivery();
        var restarted = Processor(monitored, leases, secondRun, startTime: DateTime.UtcNow.AddSeconds(-1));
        await restarted.StartAsync();
        try
        {
            await secondRun.WaitForAsync(ids => ids.Count >= 2);
            await monitored.CreateItemAsync(new TestItem("after-restart", "p", 12), pk);
            await secondRun.WaitForAsync(ids => ids.Contains("after-restart"));
            await Task.Delay(PollInterval * 3); // room for any (wrong) redelivery to show up
        }
        finally
        {
            await restarted.StopAsync();
        }

        Assert.Equal(["item000", "item001", "item002"], firstRun.Ids());
        Assert.Equal(["while-stopped", "item001", "after-restart"], secondRun.Ids());
        Assert.Equal(11, secondRun.Items.Single(i => i.Id == "item001").N);
    }

    [Fact]
    public async Task Change_feed_processor_by_default_starts_from_the_time_it_was_started()
    {
        var (monitored, leases) = await ContainersAsync();
        await monitored.CreateItemAsync(new TestItem("before-start", "p", 0), new PartitionKey("p"));
        // SDK 3.64 anchors a default start at StartAsync time minus one second, and _ts has one-second
        // precision, so the earlier write must be two second-boundaries older to be skipped.
        await Task.Delay(2050 - DateTime.UtcNow.Millisecond);
        var delivery = new Delivery();
        var processor = Processor(monitored, leases, delivery);
        await processor.StartAsync();
        try
        {
            // Written before the processor's first read: still delivered, thanks to the anchored start.
            await monitored.CreateItemAsync(new TestItem("after-start", "p", 1), new PartitionKey("p"));
            await delivery.WaitForAsync(ids => ids.Contains("after-start"));
            await Task.Delay(PollInterval * 2);
        }
        finally
        {
            await processor.StopAsync();
        }

        Assert.Equal(["after-start"], delivery.Ids());
    }

    [Fact]
    public async Task Change_feed_processor_started_from_the_beginning_delivers_earlier_writes()
    {
        var (monitored, leases) = await ContainersAsync();
        var items = await TestSupport.CreateItemsAsync(monitored, 4, i => $"p{i % 2}");
        var delivery = new Delivery();
        var processor = Processor(monitored, leases, delivery, startTime: DateTime.MinValue.ToUniversalTime());
        await processor.StartAsync();
        try
        {
            await delivery.WaitForAsync(ids => ids.Count >= 4);
        }
        finally
        {
            await processor.StopAsync();
        }

        Assert.Equal(items.Select(i => i.Id), delivery.Ids());
    }

    [Fact]
    public async Task Change_feed_estimator_counts_the_changes_a_stopped_processor_has_not_read()
    {
        var (monitored, leases) = await ContainersAsync();
        var delivery = new Delivery();
        var processor = Processor(monitored, leases, delivery, startTime: DateTime.UtcNow.AddSeconds(-1));
        await processor.StartAsync();
        await TestSupport.CreateItemsAsync(monitored, 2, i => $"p{i}");
        await delivery.WaitForAsync(ids => ids.Count >= 2);
        await processor.StopAsync();
        var estimator = monitored.GetChangeFeedEstimator("inventory", leases);
        var caughtUp = await EstimateAsync(estimator);

        await monitored.CreateItemAsync(new TestItem("pending-1", "p", 1), new PartitionKey("p"));
        await monitored.CreateItemAsync(new TestItem("pending-2", "q", 2), new PartitionKey("q"));
        await monitored.CreateItemAsync(new TestItem("pending-3", "p", 3), new PartitionKey("p"));
        var behind = await EstimateAsync(estimator);

        Assert.Equal([0L], caughtUp);
        // The estimator's count: the latest LSN minus the LSN before the first change the lease has not read.
        Assert.Equal([3L], behind);
    }

    private static async Task<List<long>> EstimateAsync(ChangeFeedEstimator estimator)
    {
        var lags = new List<long>();
        using var iterator = estimator.GetCurrentStateIterator();
        while (iterator.HasMoreResults)
        {
            lags.AddRange((await iterator.ReadNextAsync()).Select(state => state.EstimatedLag));
        }

        return lags;
    }
}
