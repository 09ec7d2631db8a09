using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LocalHost.TestWorker;

/// <summary>
/// A timer every 2 seconds whose invocation takes longer than its period while the file named by the setting
/// <c>SlowTimerGate</c> exists: the host must never run two of its invocations at once. Each invocation logs when it
/// started and ended, and what the host sent (past due, schedule status), for the tests to read.
/// </summary>
public sealed class TimerFunctions(ILogger<TimerFunctions> logger)
{
    private static int _running;

    [Function("EveryTwoSeconds")]
    public async Task EveryTwoSeconds([TimerTrigger("%TestTimerSchedule%")] TimerInfo timer)
    {
        var overlapping = Interlocked.Increment(ref _running) > 1;
        try
        {
            logger.LogInformation("Timer started at {Started} overlapping {Overlapping} pastDue {PastDue} next {Next}",
                DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), overlapping, timer.IsPastDue,
                timer.ScheduleStatus?.Next.ToString("O", CultureInfo.InvariantCulture) ?? "none");
            if (Environment.GetEnvironmentVariable("SlowTimerGate") is { Length: > 0 } gate && File.Exists(gate))
                await Task.Delay(TimeSpan.FromSeconds(5));
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
        logger.LogInformation("Timer ended at {Ended}", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
    }
}
