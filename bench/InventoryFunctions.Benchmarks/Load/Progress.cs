using System.Diagnostics;
using System.Globalization;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>
/// One line per phase as it runs ("appends c=8: 212/400"), at most one update a second, and a final line with the
/// count and the time it took. Safe to tick from many workers.
/// </summary>
public sealed class Progress
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly string _label;
    private readonly int _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _done;
    private TimeSpan _lastPrint;

    private Progress(string label, int total, string unit)
    {
        _label = label;
        _total = total;
        _unit = unit;
    }

    /// <summary>Starts counting; the first line comes after a second (a quick phase prints only its final line).</summary>
    public static Progress Start(string label, int total, string unit = "") => new(label, total, unit);

    public int Done => Volatile.Read(ref _done);

    public void Tick(int count = 1)
    {
        Interlocked.Add(ref _done, count);
        if (_clock.Elapsed - _lastPrint < Interval)
            return;
        lock (_gate)
        {
            if (_clock.Elapsed - _lastPrint < Interval)
                return;
            Print();
        }
    }

    /// <summary>Prints the final line, with an optional summary such as "312 req/s, p50 3.1 ms".</summary>
    public TimeSpan Finish(string? summary = null)
    {
        var elapsed = _clock.Elapsed;
        lock (_gate)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {_label}: {Done:N0}/{_total:N0}{_unit} in {elapsed.TotalSeconds:0.0} s{(summary is null ? "" : " — " + summary)}"));
        }
        return elapsed;
    }

    private void Print()
    {
        _lastPrint = _clock.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {_label}: {Done:N0}/{_total:N0}{_unit}"));
    }
}
