using System.Globalization;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// A <c>timerTrigger</c> schedule as the Timer extension reads it: an NCRONTAB expression
/// (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, or the same without seconds) or a TimeSpan
/// (<c>hh:mm:ss</c>, a constant interval). Times are UTC (the host's default without <c>WEBSITE_TIME_ZONE</c>).
/// </summary>
public abstract class TimerSchedule
{
    /// <summary>The first occurrence strictly after <paramref name="time"/>.</summary>
    public abstract DateTimeOffset NextAfter(DateTimeOffset time);

    /// <summary>
    /// Whether the schedule is monitored when the binding does not say: the extension's default is true for schedules
    /// that recur once a minute or less often, false for faster ones.
    /// </summary>
    public bool MonitoredByDefault(DateTimeOffset from)
    {
        var first = NextAfter(from);
        return NextAfter(first) - first >= TimeSpan.FromMinutes(1);
    }

    public static TimerSchedule Parse(string expression)
    {
        var text = expression.Trim();
        if (!text.Contains(' ', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var interval))
        {
            return interval > TimeSpan.Zero
                ? new IntervalSchedule(interval)
                : throw new FormatException($"The timer interval '{expression}' must be positive.");
        }
        return CronSchedule.Parse(text);
    }
}

/// <summary>A constant interval: every occurrence is the previous one (or the start) plus the interval.</summary>
public sealed class IntervalSchedule(TimeSpan interval) : TimerSchedule
{
    public TimeSpan Interval => interval;

    public override DateTimeOffset NextAfter(DateTimeOffset time) => time + interval;

    public override string ToString() => interval.ToString("c", CultureInfo.InvariantCulture);
}

/// <summary>
/// An NCRONTAB expression. Each field takes <c>*</c>, a value, a range <c>a-b</c>, a step <c>*/n</c>, <c>a-b/n</c> or
/// <c>a/n</c>, and comma-separated lists of those; months and days of the week also by their English abbreviation
/// (JAN, SUN). As in NCrontab, an occurrence must match the day of the month <em>and</em> the day of the week.
/// </summary>
public sealed class CronSchedule : TimerSchedule
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    // How far ahead an occurrence is looked for; an expression that never matches (30 February) fails instead of spinning.
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(366 * 5);

    private readonly string _expression;
    private readonly bool[] _seconds, _minutes, _hours, _days, _months, _daysOfWeek;

    private CronSchedule(string expression, bool[][] fields)
    {
        _expression = expression;
        (_seconds, _minutes, _hours, _days, _months, _daysOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    public static new CronSchedule Parse(string expression)
    {
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (5 or 6))
            throw new FormatException($"'{expression}' is not an NCRONTAB expression: it needs 6 fields (second minute hour day month day-of-week) or 5 (without seconds).");
        if (parts.Length == 5)
            parts = ["0", .. parts];
        return new CronSchedule(expression, [
            Field(parts[0], 0, 59, null, "second"),
            Field(parts[1], 0, 59, null, "minute"),
            Field(parts[2], 0, 23, null, "hour"),
            Field(parts[3], 1, 31, null, "day"),
            Field(parts[4], 1, 12, MonthNames, "month"),
            Field(parts[5], 0, 6, DayNames, "day of the week"),
        ]);
    }

    public override DateTimeOffset NextAfter(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        var t = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, DateTimeKind.Utc).AddSeconds(1);
        var limit = t + Horizon;
        while (t < limit)
        {
            if (!_months[t.Month])
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
            else if (!_days[t.Day] || !_daysOfWeek[(int)t.DayOfWeek])
                t = t.Date.AddDays(1);
            else if (!_hours[t.Hour])
                t = t.Date.AddHours(t.Hour + 1);
            else if (!_minutes[t.Minute])
                t = t.Date.AddHours(t.Hour).AddMinutes(t.Minute + 1);
            else if (!_seconds[t.Second])
                t = t.AddSeconds(1);
            else
                return new DateTimeOffset(t);
        }
        throw new InvalidOperationException($"The schedule '{_expression}' has no occurrence within five years of {time:O}.");
    }

    public override string ToString() => _expression;

    private static bool[] Field(string text, int min, int max, string[]? names, string what)
    {
        var allowed = new bool[max + 1];
        foreach (var item in text.Split(','))
        {
            var (range, stepText) = item.Split('/') switch
            {
                [var r] => (r, null),
                [var r, var s] => (r, s),
                _ => throw Invalid(text, what),
            };
            var step = 1;
            if (stepText is not null && (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
                throw Invalid(text, what);
            int from, to;
            if (range == "*")
                (from, to) = (min, max);
            else if (range.Split('-') is [var a, var b])
                (from, to) = (Value(a, min, max, names, text, what), Value(b, min, max, names, text, what));
            else
                (from, to) = (Value(range, min, max, names, text, what), stepText is null ? Value(range, min, max, names, text, what) : max);
            if (from > to)
                throw Invalid(text, what);
            for (var v = from; v <= to; v += step)
                allowed[v] = true;
        }
        return allowed;
    }

    private static int Value(string text, int min, int max, string[]? names, string field, string what)
    {
        if (names is not null && Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) is >= 0 and var index)
            return index + min;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Invalid(field, what);
    }

    private static FormatException Invalid(string field, string what) => new($"'{field}' is not a valid {what} field of an NCRONTAB expression.");
}
