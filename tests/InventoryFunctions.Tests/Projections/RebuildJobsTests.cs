using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using InventoryFunctions.Operations;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// Rebuild-all jobs against in-memory ports. The queue is played by hand: a delivery is a call of
/// <see cref="RebuildJobs.RunPageAsync"/> with a page the job sent and the dequeue count the trigger would pass.
/// </summary>
public class RebuildJobsTests
{
    private const int PageSize = 2;

    private readonly InMemoryViewStore _views = new();
    private readonly InMemoryEventLog _log = new();
    private readonly InMemoryRebuildJobStore _jobs = new();
    private readonly RecordingRebuildQueue _queue = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly RebuildJobs _rebuild;

    public RebuildJobsTests()
    {
        var rebuilder = new ViewRepair(
            new ViewProjectors(_views, _log, new RecordingPoisonQueue(), _time, NullLogger<VersionedViewProjector>.Instance),
            new GlobalCollectedProjector(new InMemoryGlobalCollectedStore(), _log, _time, NullLogger<GlobalCollectedProjector>.Instance),
            _log, NullLogger<ViewRepair>.Instance);
        _rebuild = new RebuildJobs(_jobs, _queue, _log, rebuilder, new RebuildJobOptions(PageSize), _time, NullLogger<RebuildJobs>.Instance);
    }

    private void Inventories(int count)
    {
        for (var i = 0; i < count; i++)
            _log.Append($"inv-{i}", new ItemAdded("sword", i + 1));
    }

    private async Task<RebuildJob> JobAsync(string jobId) => (await _rebuild.GetAsync(jobId, CancellationToken.None))!.Job;

    /// <summary>Delivers the pages the job sends, each once, until it sends no more.</summary>
    private async Task RunAllPagesAsync()
    {
        for (var delivered = 0; delivered < _queue.Sent.Count; delivered++)
            await _rebuild.RunPageAsync(_queue.Sent[delivered], 1, CancellationToken.None);
    }

    [Fact]
    public async Task A_start_records_a_queued_job_and_sends_its_first_page()
    {
        var (job, started) = await _rebuild.StartAsync(CancellationToken.None);

        Assert.True(started);
        Assert.Equal(RebuildJobState.Queued, (await JobAsync(job.JobId)).State);
        Assert.True(RebuildJob.IsValidId(job.JobId));
        Assert.Equal([new RebuildPage(job.JobId, 0, null)], _queue.Sent);
    }

    [Fact]
    public async Task A_second_start_while_the_job_is_active_answers_that_job_and_sends_nothing()
    {
        var (first, _) = await _rebuild.StartAsync(CancellationToken.None);

        var (second, started) = await _rebuild.StartAsync(CancellationToken.None);

        Assert.False(started);
        Assert.Equal(first.JobId, second.JobId);
        Assert.Single(_queue.Sent);
    }

    [Fact]
    public async Task The_pages_in_turn_rebuild_every_inventory_once_and_complete_the_job()
    {
        Inventories(5);
        var (job, _) = await _rebuild.StartAsync(CancellationToken.None);

        await RunAllPagesAsync();

        var done = await JobAsync(job.JobId);
        Assert.Equal(RebuildJobState.Completed, done.State);
        Assert.Equal((5, 0, 3), (done.Rebuilt, done.Failed, done.PagesDone));
        Assert.NotNull(done.CompletedAt);
        Assert.Equal([0, 1, 2], _queue.Sent.Select(p => p.Page));
        for (var i = 0; i < 5; i++)
            Assert.Equal(i + 1, _views.Find<InventoryView>($"inv-{i}")!.Items["sword"]);

        var (next, started) = await _rebuild.StartAsync(CancellationToken.None);
        Assert.True(started);
        Assert.NotEqual(job.JobId, next.JobId);
    }

    [Fact]
    public async Task A_second_copy_of_a_counted_page_counts_nothing_and_sends_nothing()
    {
        Inventories(5);
        var (job, _) = await _rebuild.StartAsync(CancellationToken.None);
        await _rebuild.RunPageAsync(_queue.Sent[0], 1, CancellationToken.None);

        await _rebuild.RunPageAsync(_queue.Sent[0], 1, CancellationToken.None);

        var after = await JobAsync(job.JobId);
        Assert.Equal((2, 1), (after.Rebuilt, after.PagesDone));
        Assert.Equal([0, 1], _queue.Sent.Select(p => p.Page));
    }

    [Fact]
    public async Task A_redelivered_page_whose_successor_may_be_lost_sends_it_again_without_counting_twice()
    {
        Inventories(5);
        var (job, _) = await _rebuild.StartAsync(CancellationToken.None);
        await _rebuild.RunPageAsync(_queue.Sent[0], 1, CancellationToken.None);

        // The delivery that counted page 0 died before its message was deleted: it comes back with dequeue count 2.
        await _rebuild.RunPageAsync(_queue.Sent[0], 2, CancellationToken.None);
        await RunAllPagesAsync();

        var done = await JobAsync(job.JobId);
        Assert.Equal(RebuildJobState.Completed, done.State);
        Assert.Equal((5, 3), (done.Rebuilt, done.PagesDone));
    }

    [Fact]
    public async Task A_page_that_still_fails_on_its_last_delivery_marks_the_job_failed()
    {
        Inventories(5);
        var (job, _) = await _rebuild.StartAsync(CancellationToken.None);
        await _rebuild.RunPageAsync(_queue.Sent[0], 1, CancellationToken.None);
        var page = _queue.Sent[1];
        _queue.FailNextSends(RebuildJobs.MaxDeliveries);

        for (var delivery = 1; delivery < RebuildJobs.MaxDeliveries; delivery++)
        {
            await Assert.ThrowsAsync<IOException>(() => _rebuild.RunPageAsync(page, delivery, CancellationToken.None));
            Assert.Equal(RebuildJobState.Running, (await JobAsync(job.JobId)).State);
        }
        await Assert.ThrowsAsync<IOException>(() => _rebuild.RunPageAsync(page, RebuildJobs.MaxDeliveries, CancellationToken.None));

        var failed = await JobAsync(job.JobId);
        Assert.Equal(RebuildJobState.Failed, failed.State);
        Assert.Contains("Page 1 failed 5 times", failed.Error, StringComparison.Ordinal);
        Assert.Equal(4, failed.Rebuilt); // pages 0 and 1, each counted once
    }

    [Fact]
    public async Task A_job_whose_first_page_cannot_be_queued_is_failed_so_the_next_start_begins_anew()
    {
        _queue.FailNextSends();

        await Assert.ThrowsAsync<IOException>(() => _rebuild.StartAsync(CancellationToken.None));
        var (job, started) = await _rebuild.StartAsync(CancellationToken.None);

        Assert.True(started);
        Assert.Equal([new RebuildPage(job.JobId, 0, null)], _queue.Sent);
    }

    [Fact]
    public async Task An_active_job_without_progress_for_too_long_is_superseded_by_the_next_start()
    {
        var (stuck, _) = await _rebuild.StartAsync(CancellationToken.None);
        _time.Advance(RebuildJobs.AbandonedAfter);

        var (next, started) = await _rebuild.StartAsync(CancellationToken.None);

        Assert.True(started);
        Assert.NotEqual(stuck.JobId, next.JobId);
        Assert.Equal(RebuildJobState.Failed, (await JobAsync(stuck.JobId)).State);
    }
}
