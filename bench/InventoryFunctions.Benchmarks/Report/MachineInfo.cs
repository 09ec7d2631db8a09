using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace InventoryFunctions.Benchmarks.Report;

public sealed record MachineInfo(string Os, string Kernel, string Cpu, int Cores, double MemoryGiB, string DotNet, string? DotNetSdk, string? Node)
{
    public static MachineInfo Collect() => new(
        Os: OsRelease() ?? RuntimeInformation.OSDescription,
        Kernel: RuntimeInformation.OSDescription,
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

/// <summary>Samples the 1-minute load average every 2 s while the benchmark runs.</summary>
public sealed class LoadSampler : IDisposable
{
    private readonly List<double> _samples = [];
    private readonly List<(string, double)> _phases = [];
    private readonly Timer _timer;
    private readonly double _start = MachineInfo.LoadAverage();

    public LoadSampler() => _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromSeconds(2));

    public double Mark(string phase)
    {
        var load = Sample();
        lock (_phases)
            _phases.Add((phase, load));
        return load;
    }

    public LoadSummary Summary()
    {
        var end = Sample();
        lock (_samples)
        {
            var valid = _samples.Where(s => !double.IsNaN(s)).DefaultIfEmpty(double.NaN).ToList();
            lock (_phases)
                return new LoadSummary(_start, valid.Average(), valid.Max(), end, Environment.ProcessorCount, [.. _phases]);
        }
    }

    public void Dispose() => _timer.Dispose();

    private double Sample()
    {
        var load = MachineInfo.LoadAverage();
        lock (_samples)
            _samples.Add(load);
        return load;
    }
}
