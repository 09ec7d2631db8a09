using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// A <c>timerTrigger</c> binding run as the Timer extension runs it: the <c>schedule</c> (NCRONTAB with seconds, or a
/// TimeSpan; <c>%Setting%</c> resolved), <c>runOnStartup</c>, <c>useMonitor</c> (default: on for schedules of a minute
/// or more), and the worker's <c>TimerInfo</c> as JSON (<c>ScheduleStatus</c> Last/Next/LastUpdated when monitored,
/// <c>IsPastDue</c>). One invocation at a time: the next occurrence is computed when the previous invocation ended.
/// As on the host, the listener is a singleton: on Azure a blob lease in <c>AzureWebJobsStorage</c>; here an exclusive
/// lock file shared by every local host with the same <c>AzureWebJobsStorage</c> and app, which also holds the
/// monitor's schedule status. A host that does not hold it tries again every <see cref="LockRetryInterval"/>.
/// </summary>
public sealed class TimerTriggerListener : TriggerListener
{
    /// <summary>How often a host without the listener lock tries to take it.</summary>
    public static readonly TimeSpan LockRetryInterval = TimeSpan.FromSeconds(10);

    // The name of TimerInfo's property, which the worker does not read (the schedule's own property shares its name).
    private const string TimerInfoSchedule = "Schedule";

    private static readonly JsonSerializerOptions StatusJson = new() { WriteIndented = false };

    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    /// <summary>The listener for <paramref name="function"/>, or null (logged) when its schedule is not valid, as the host skips such a function.</summary>
    public static TimerTriggerListener? TryCreate(FunctionMetadata function, HostSettings settings, WorkerHost workers, LocalHostOptions options, ILoggerFactory loggers)
    {
        try
        {
            return new TimerTriggerListener(function, settings, workers, options, loggers);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            loggers.CreateLogger("Host.Triggers").LogError("Function {Function} is not run: its timer schedule is not valid: {Error}", function.Name, ex.Message);
            return null;
        }
    }

    public TimerTriggerListener(FunctionMetadata function, HostSettings settings, WorkerHost workers, LocalHostOptions options, ILoggerFactory loggers, TimeProvider? time = null)
        : base(function, settings, workers, options, loggers)
    {
        _time = time ?? TimeProvider.System;
        Schedule = TimerSchedule.Parse(settings.Resolve(Required("schedule")));
        RunOnStartup = Flag("runOnStartup") ?? false;
        UseMonitor = Flag("useMonitor") ?? Schedule.MonitoredByDefault(_time.GetUtcNow());
        StateDirectory = settings["AzureWebJobsStorage"] is { Length: > 0 } storage
            ? Path.Combine(Path.GetTempPath(), "functions-localhost", "timers", Hash(storage + "|" + Path.GetFullPath(options.ScriptRoot)))
            : null;
    }

    public TimerSchedule Schedule { get; }

    public bool RunOnStartup { get; }

    public bool UseMonitor { get; }

    /// <summary>Where the listener lock and the schedule status live; null without <c>AzureWebJobsStorage</c> (no singleton across hosts).</summary>
    public string? StateDirectory { get; }

    /// <summary>Starts listening in the background (once the lock is held).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _running = Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        _stopping.Dispose();
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        using var singleton = await AcquireLockAsync(stopping);
        Logger.LogInformation("Timer trigger {Function} runs on schedule '{Schedule}' (monitor {Monitor}, run on startup {RunOnStartup})",
            Function.Name, Schedule, UseMonitor, RunOnStartup);
        var status = UseMonitor ? ReadStatus() : null;
        var now = _time.GetUtcNow();
        if (status is null && UseMonitor)
            status = WriteStatus(new ScheduleStatus(DateTimeOffset.MinValue, Schedule.NextAfter(now), now));
        if (RunOnStartup)
            status = await RunAsync(now, isPastDue: false, status, stopping);
        else if (status is not null && status.Next < now)
            status = await RunAsync(status.Next, isPastDue: true, status, stopping); // missed while no host ran it
        while (!stopping.IsCancellationRequested)
        {
            now = _time.GetUtcNow();
            var next = status is not null && status.Next > now ? status.Next : Schedule.NextAfter(now);
            await Task.Delay(next - now, _time, stopping);
            status = await RunAsync(next, isPastDue: false, status, stopping);
        }
    }

    /// <summary>One invocation, awaited (so none overlaps the next); returns the status recorded after it.</summary>
    private async Task<ScheduleStatus?> RunAsync(DateTimeOffset occurrence, bool isPastDue, ScheduleStatus? status, CancellationToken stopping)
    {
        var timerInfo = new JsonObject
        {
            [TimerInfoSchedule] = new JsonObject { ["AdjustForDST"] = true },
            ["ScheduleStatus"] = status is null ? null : new JsonObject
            {
                ["Last"] = status.Last.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                ["Next"] = status.Next.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                ["LastUpdated"] = status.LastUpdated.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            },
            ["IsPastDue"] = isPastDue,
        };
        await InvokeAsync(NewInvocation(new TypedData { Json = timerInfo.ToJsonString() }), stopping);
        // Like the extension, a failed occurrence is not retried: the schedule moves on.
        var now = _time.GetUtcNow();
        return UseMonitor ? WriteStatus(new ScheduleStatus(occurrence, Schedule.NextAfter(now > occurrence ? now : occurrence), now)) : null;
    }

    private async Task<IDisposable?> AcquireLockAsync(CancellationToken stopping)
    {
        if (StateDirectory is null)
            return null;
        Directory.CreateDirectory(StateDirectory);
        var path = Path.Combine(StateDirectory, Function.Name + ".lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // FileShare.None is an exclusive lock (flock on Unix) held as long as the stream is open, across processes.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (attempt == 0)
                    Logger.LogInformation("Timer trigger {Function}: another host holds its listener lock; trying again every {Interval}", Function.Name, LockRetryInterval);
            }
            await Task.Delay(LockRetryInterval, _time, stopping);
        }
    }

    private string? StatusPath => StateDirectory is null ? null : Path.Combine(StateDirectory, Function.Name + ".status.json");

    private ScheduleStatus? ReadStatus()
    {
        try
        {
            return StatusPath is { } path && File.Exists(path) ? JsonSerializer.Deserialize<ScheduleStatus>(File.ReadAllText(path), StatusJson) : null;
        }
        catch (JsonException)
        {
            return null; // a torn or foreign file: start afresh, as the extension does with a missing status blob
        }
    }

    private ScheduleStatus WriteStatus(ScheduleStatus status)
    {
        if (StatusPath is { } path)
            File.WriteAllText(path, JsonSerializer.Serialize(status, StatusJson));
        return status;
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>The monitor's record of a schedule, as the extension keeps it (and passes it in <c>TimerInfo.ScheduleStatus</c>).</summary>
    private sealed record ScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);
}
