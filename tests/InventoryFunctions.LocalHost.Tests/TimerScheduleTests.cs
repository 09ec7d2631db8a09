using System.Globalization;

namespace InventoryFunctions.LocalHost.Tests;

/// <summary>The local host's NCRONTAB and TimeSpan schedules, against occurrences worked out by hand.</summary>
public sealed class TimerScheduleTests
{
    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    [Theory]
    [InlineData("0 */1 * * * *", "2026-11-29T10:15:30Z", "2026-11-29T10:16:00Z")]
    [InlineData("0 */1 * * * *", "2026-11-29T10:16:00Z", "2026-11-29T10:17:00Z")] // strictly after
    [InlineData("*/2 * * * * *", "2026-11-29T10:15:31.900Z", "2026-11-29T10:15:32Z")]
    [InlineData("*/2 * * * * *", "2026-11-29T10:15:32Z", "2026-11-29T10:15:34Z")]
    [InlineData("0 30 9 * * *", "2026-11-29T10:00:00Z", "2026-11-30T09:30:00Z")]
    [InlineData("0 0 0 1 * *", "2026-12-15T00:00:00Z", "2027-01-01T00:00:00Z")] // across a year
    [InlineData("0 0 12 * * MON-FRI", "2026-11-28T13:00:00Z", "2026-11-30T12:00:00Z")] // Saturday → Monday
    [InlineData("0 0 12 * * 0", "2026-11-29T12:00:01Z", "2026-12-06T12:00:00Z")] // Sundays
    [InlineData("5,10-12 0 0 * * *", "2026-11-29T00:00:05Z", "2026-11-29T00:00:10Z")]
    [InlineData("10/20 * * * * *", "2026-11-29T00:00:31Z", "2026-11-29T00:00:50Z")] // from 10 every 20
    [InlineData("0 0 0 29 FEB *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z")] // leap day
    [InlineData("0 * * * *", "2026-11-29T10:15:00Z", "2026-11-29T11:00:00Z")] // five fields: no seconds
    [InlineData("0 0 * * *", "2026-11-29T10:15:00Z", "2026-11-30T00:00:00Z")]
    [InlineData("0 0 0 13 * FRI", "2026-11-29T00:00:00Z", "2027-08-13T00:00:00Z")] // day and day of week must both match
    public void Cron_expressions_name_the_next_occurrence(string expression, string after, string expected)
    {
        Assert.Equal(At(expected), TimerSchedule.Parse(expression).NextAfter(At(after)));
    }

    [Fact]
    public void A_TimeSpan_is_a_constant_interval_from_the_given_time()
    {
        var schedule = Assert.IsType<IntervalSchedule>(TimerSchedule.Parse("00:00:02"));
        Assert.Equal(At("2026-11-29T10:15:32.5Z"), schedule.NextAfter(At("2026-11-29T10:15:30.5Z")));
    }

    [Theory]
    [InlineData("0 */1 * * * *", true)]
    [InlineData("0 0 * * * *", true)]
    [InlineData("*/30 * * * * *", false)]
    [InlineData("00:00:10", false)]
    [InlineData("00:05:00", true)]
    public void Schedules_of_a_minute_or_more_are_monitored_by_default(string expression, bool monitored)
    {
        Assert.Equal(monitored, TimerSchedule.Parse(expression).MonitoredByDefault(At("2026-11-29T10:15:30Z")));
    }

    [Theory]
    [InlineData("* * * *")] // too few fields
    [InlineData("* * * * * * *")] // too many
    [InlineData("60 * * * * *")] // second out of range
    [InlineData("0 0 24 * * *")]
    [InlineData("0 0 0 0 * *")] // days start at 1
    [InlineData("0 0 0 * 13 *")]
    [InlineData("0 0 0 * * 7")]
    [InlineData("*/0 * * * * *")]
    [InlineData("5-1 * * * * *")]
    [InlineData("0 0 0 * FOO *")]
    [InlineData("00:00:00")]
    public void Invalid_schedules_are_rejected(string expression)
    {
        Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression));
    }

    [Fact]
    public void A_schedule_that_never_occurs_fails_instead_of_spinning()
    {
        Assert.Throws<InvalidOperationException>(() => TimerSchedule.Parse("0 0 0 30 FEB *").NextAfter(At("2026-01-01T00:00:00Z")));
    }
}
