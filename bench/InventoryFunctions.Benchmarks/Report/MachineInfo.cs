using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace InventoryFunctions.Benchmarks.Report;

public sealed record MachineInfo(string Os, string Kernel, string Cpu, int Cores, double MemoryGiB, string DotNet, string? DotNetSdk, string? Node)
{
    public static MachineInfo Collect() => new(
        Os: OsRelease() ?? RuntimeInformation.OSDescription,
        Kernel: KernelRelease() ?? RuntimeInformation.OSDescription,
        Cpu: CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Cores: Environment.ProcessorCount,
        MemoryGiB: Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
        DotNet: RuntimeInformation.FrameworkDescription,
        DotNetSdk: Run("dotnet", "--version"),
        Node: Run("node", "--version"));

    /// <summary>The 1-minute load average (Linux), or NaN.</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    private static string? OsRelease()
    {
        try
        {
            return File.ReadLines("/etc/os-release").Where(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                .Select(l => l["PRETTY_NAME=".Length..].Trim('"')).FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? KernelRelease()
    {
        try
        {
            return "Linux " + File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith("model name", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static string? Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null)
                return null;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(10_000);
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>
/// Watches how busy the machine is while the benchmark runs: the 1-minute load average, and the CPU time that other
/// processes used, i.e. all busy CPU time (<c>/proc/stat</c>) less this process and its children (the dev server and
/// Azurite). The load average counts the benchmark's own threads too, so on 2 cores it is high by itself; the other
/// processes' share is what says whether someone else's build was running.
/// </summary>
public sealed class LoadSampler : IDisposable
{
    private readonly List<double> _loads = [];
    private readonly List<PhaseLoad> _phases = [];
    private readonly Timer _timer;
    private readonly double _startLoad = MachineInfo.LoadAverage();
    private readonly CpuReading? _start = CpuReading.Read();
    private CpuReading? _lastMark;
    private double _maxOthers;

    public LoadSampler()
    {
        _lastMark = _start;
        _timer = new Timer(_ => SampleLoad(), null, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }

    /// <summary>Ends a phase: the load average now, and the CPU shares since the previous mark.</summary>
    public void Mark(string phase)
    {
        var load = SampleLoad();
        var now = CpuReading.Read();
        lock (_phases)
        {
            var (others, own) = CpuReading.Shares(_lastMark, now);
            _phases.Add(new PhaseLoad(phase, load, others, own));
            // Phases under ~1 s of machine time are too short for a share to mean much.
            if (double.IsFinite(others) && now is not null && _lastMark is not null && now.Total - _lastMark.Total >= 100 * Environment.ProcessorCount)
                _maxOthers = Math.Max(_maxOthers, others);
            _lastMark = now;
        }
    }

    public LoadSummary Summary()
    {
        var end = SampleLoad();
        var (others, own) = CpuReading.Shares(_start, CpuReading.Read());
        lock (_loads)
        {
            var valid = _loads.Where(double.IsFinite).DefaultIfEmpty(double.NaN).ToList();
            lock (_phases)
                return new LoadSummary(_startLoad, valid.Average(), valid.Max(), end, Environment.ProcessorCount, others, _phases.Count == 0 ? others : _maxOthers, own, [.. _phases]);
        }
    }

    public void Dispose() => _timer.Dispose();

    private double SampleLoad()
    {
        var load = MachineInfo.LoadAverage();
        lock (_loads)
            _loads.Add(load);
        return load;
    }

    /// <summary>Cumulative CPU ticks: the whole machine (busy and total) and this process tree.</summary>
    private sealed record CpuReading(long Busy, long Total, long Own)
    {
        public static CpuReading? Read()
        {
            try
            {
                var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                    .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                // user nice system idle iowait irq softirq steal (guest time is already in user).
                var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu.Length > 7 ? cpu[7] : 0);
                var total = busy + cpu[3] + cpu[4];
                return new CpuReading(busy, total, OwnTicks());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
            {
                return null;
            }
        }

        /// <summary>Shares of the machine's CPU between two readings: other processes, and this process tree.</summary>
        public static (double Others, double Own) Shares(CpuReading? from, CpuReading? to)
        {
            if (from is null || to is null || to.Total <= from.Total)
                return (double.NaN, double.NaN);
            double total = to.Total - from.Total;
            var own = Math.Max(0, to.Own - from.Own);
            var others = Math.Max(0, to.Busy - from.Busy - own);
            return (others / total, own / total);
        }

        // utime + stime + cutime + cstime of this process and its live descendants: a child's time moves into its parent's
        // cutime/cstime when it is reaped, so short-lived helpers (git, node --version) stay counted as ours.
        private static long OwnTicks()
        {
            var stats = new Dictionary<int, (int Parent, long Ticks)>();
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    continue;
                try
                {
                    var text = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                    // After "pid (comm) ": state ppid ...; utime, stime, cutime, cstime are fields 14-17 of the line, indexes 11-14 here.
                    stats[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture),
                        fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
                {
                    // The process ended while we looked.
                }
            }
            var tree = new HashSet<int> { Environment.ProcessId };
            for (var grew = true; grew;)
            {
                grew = false;
                foreach (var (pid, (parent, _)) in stats)
                {
                    if (tree.Contains(parent) && tree.Add(pid))
                        grew = true;
                }
            }
            return tree.Sum(pid => stats.TryGetValue(pid, out var s) ? s.Ticks : 0);
        }
    }
}
