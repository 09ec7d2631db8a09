using System.Diagnostics;
using System.Text.Json;

namespace InventoryFunctions.Testing;

/// <summary>
/// The one way tests wait for something that happens asynchronously (a projection catching up, a lease checkpointing,
/// a log line, a server listening): poll a probe until its value is what is awaited, and on time-out fail saying what
/// was awaited, for how long, and the last value seen. The probe runs at least once, and once more at the deadline.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>A last value longer than this is cut in the failure message.</summary>
    private const int MaxShown = 4000;

    /// <summary>
    /// Polls <paramref name="probe"/> every <paramref name="every"/> until <paramref name="done"/> holds for its value,
    /// and returns that value; fails after <paramref name="within"/> naming <paramref name="awaited"/> and the last value
    /// (<paramref name="describe"/> says how to show it; <paramref name="detail"/> adds what else helps, such as logs).
    /// </summary>
    public static async Task<T> UntilAsync<T>(string awaited, Func<Task<T>> probe, Func<T, bool> done,
        TimeSpan? within = null, TimeSpan? every = null, Func<T, string>? describe = null, Func<string>? detail = null)
    {
        var limit = within ?? DefaultWithin;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var last = await probe();
            if (done(last))
                return last;
            if (clock.Elapsed >= limit)
            {
                var shown = describe is null ? Describe(last) : describe(last);
                Assert.Fail($"Waited {limit.TotalSeconds:0.#} s for {awaited}; the last value seen: {Cut(shown)}"
                    + (detail is null ? "" : "\n" + detail()));
            }
            await Task.Delay(Min(every ?? DefaultEvery, limit - clock.Elapsed));
        }
    }

    /// <summary>As <see cref="UntilAsync{T}(string, Func{Task{T}}, Func{T, bool}, TimeSpan?, TimeSpan?, Func{T, string}?, Func{string}?)"/>, for a probe that needs no await.</summary>
    public static Task<T> UntilAsync<T>(string awaited, Func<T> probe, Func<T, bool> done,
        TimeSpan? within = null, TimeSpan? every = null, Func<T, string>? describe = null, Func<string>? detail = null) =>
        UntilAsync(awaited, () => Task.FromResult(probe()), done, within, every, describe, detail);

    /// <summary>Polls <paramref name="condition"/> until it is true.</summary>
    public static Task UntilAsync(string awaited, Func<Task<bool>> condition, TimeSpan? within = null, TimeSpan? every = null, Func<string>? detail = null) =>
        UntilAsync(awaited, condition, static ok => ok, within, every, detail: detail);

    /// <summary>Polls <paramref name="condition"/> until it is true, for a condition that needs no await.</summary>
    public static Task UntilAsync(string awaited, Func<bool> condition, TimeSpan? within = null, TimeSpan? every = null, Func<string>? detail = null) =>
        UntilAsync(awaited, () => Task.FromResult(condition()), static ok => ok, within, every, detail: detail);

    private static string Describe(object? value) => value switch
    {
        null => "null",
        JsonElement element => element.ValueKind == JsonValueKind.Undefined ? "(nothing)" : element.GetRawText(),
        string text => text,
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Describe)) + "]",
        _ => value.ToString() ?? "",
    };

    private static string Cut(string text) => text.Length <= MaxShown ? text : text[..MaxShown] + $"… ({text.Length} characters)";

    // At least 1 ms: Task.Delay rounds a shorter wait down to none, and the last sub-millisecond before the deadline
    // would become a busy loop of probes.
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => TimeSpan.FromMilliseconds(Math.Max(1, (a < b ? a : b).TotalMilliseconds));
}
