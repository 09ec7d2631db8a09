using System.Globalization;
using System.Text.RegularExpressions;

namespace InventoryFunctions.LocalHost.Tests;

/// <summary>
/// Timer triggers on the local host with the test worker's <c>EveryTwoSeconds</c> (its Cosmos DB triggers switched off):
/// invoked on schedule with the TimerInfo the worker binds, never overlapping, one host at a time per storage account.
/// </summary>
public sealed partial class TimerTriggerTests
{
    private static readonly string ScriptRoot = HostedApp.OutputOf("tests/LocalHost.TestWorker", "LocalHost.TestWorker.dll");

    private static Dictionary<string, string?> Settings(string storage, string? gate = null) => new()
    {
        ["TestTimerSchedule"] = "*/2 * * * * *",
        ["AzureWebJobs.WithRetry.Disabled"] = "true",
        ["AzureWebJobs.WithoutRetry.Disabled"] = "true",
        // Never connected to: it names the account whose lock the listener takes, as on the host.
        ["AzureWebJobsStorage"] = storage,
        ["SlowTimerGate"] = gate,
    };

    private static string NewStorage() => $"UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://timer-{Guid.NewGuid():N}";

    private sealed record Run(DateTimeOffset Started, bool Overlapping, bool PastDue, string Next);

    private static List<Run> Runs(HostedApp app) =>
        [.. app.Logs.Lines.Select(l => StartedLine().Match(l.Message)).Where(m => m.Success).Select(m => new Run(
            DateTimeOffset.Parse(m.Groups["started"].Value, CultureInfo.InvariantCulture), bool.Parse(m.Groups["overlapping"].Value),
            bool.Parse(m.Groups["pastDue"].Value), m.Groups["next"].Value))];

    private static List<DateTimeOffset> Ends(HostedApp app) =>
        [.. app.Logs.Lines.Select(l => EndedLine().Match(l.Message)).Where(m => m.Success).Select(m => DateTimeOffset.Parse(m.Groups["ended"].Value, CultureInfo.InvariantCulture))];

    private static Task<int> WaitForRunsAsync(HostedApp app, int count, TimeSpan within) =>
        Eventually.UntilAsync($"{count} timer invocations", () => Runs(app).Count, runs => runs >= count, within,
            detail: () => $"The host logged:\n{string.Join("\n", app.Logs.Lines.TakeLast(40))}");

    [Fact]
    public async Task A_timer_function_runs_on_its_schedule_with_the_TimerInfo_the_worker_binds()
    {
        await using var app = await HostedApp.StartAsync(ScriptRoot, Settings(NewStorage()));

        await WaitForRunsAsync(app, 3, TimeSpan.FromSeconds(30));

        var listener = Assert.Single(app.Triggers.TimerListeners);
        Assert.False(listener.UseMonitor, "a schedule more often than once a minute is not monitored by default");
        Assert.False(listener.RunOnStartup);
        // The worker bound TimerInfo from the host's JSON: not past due, no schedule status without a monitor.
        Assert.All(Runs(app), run => Assert.False(run.PastDue));
        Assert.All(Runs(app), run => Assert.Equal("none", run.Next));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Message.Contains("Executed 'Functions.EveryTwoSeconds' (Failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_invocation_longer_than_the_period_is_never_overlapped_by_the_next()
    {
        var gate = Path.GetTempFileName(); // exists: each invocation takes 5 s, the period is 2 s
        try
        {
            await using var app = await HostedApp.StartAsync(ScriptRoot, Settings(NewStorage(), gate));

            await WaitForRunsAsync(app, 3, TimeSpan.FromSeconds(40));

            var runs = Runs(app);
            var ends = Ends(app);
            Assert.All(runs, run => Assert.False(run.Overlapping));
            // Each invocation started after the one before it ended.
            for (var i = 1; i < runs.Count; i++)
                Assert.True(runs[i].Started >= ends[i - 1], $"run {i} started {runs[i].Started:O}, run {i - 1} ended {ends[i - 1]:O}");
        }
        finally
        {
            File.Delete(gate);
        }
    }

    [Fact]
    public async Task Two_hosts_on_one_storage_account_run_the_timer_once_and_the_second_takes_over_when_the_first_stops()
    {
        var storage = NewStorage();
        HostedApp? first = await HostedApp.StartAsync(ScriptRoot, Settings(storage));
        HostedApp? second = null;
        try
        {
            await WaitForRunsAsync(first, 1, TimeSpan.FromSeconds(30));
            second = await HostedApp.StartAsync(ScriptRoot, Settings(storage));
            await second.Logs.WaitForAsync(l => l.Message.Contains("another host holds its listener lock", StringComparison.Ordinal), "saying the lock is taken");
            var before = Runs(first).Count;
            await WaitForRunsAsync(first, before + 2, TimeSpan.FromSeconds(30));
            Assert.Empty(Runs(second));

            await first.DisposeAsync();
            first = null;
            await WaitForRunsAsync(second, 1, TimerTriggerListener.LockRetryInterval + TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (first is not null)
                await first.DisposeAsync();
            if (second is not null)
                await second.DisposeAsync();
        }
    }

    [GeneratedRegex(@"Timer started at (?<started>\S+) overlapping (?<overlapping>\w+) pastDue (?<pastDue>\w+) next (?<next>\S+)")]
    private static partial Regex StartedLine();

    [GeneratedRegex(@"Timer ended at (?<ended>\S+)")]
    private static partial Regex EndedLine();
}
