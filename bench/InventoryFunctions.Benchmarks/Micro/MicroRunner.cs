using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using InventoryFunctions.Benchmarks.Report;
using Perfolizer.Horology;

namespace InventoryFunctions.Benchmarks.Micro;

/// <summary>
/// Runs the BenchmarkDotNet classes in this process (in-process emit toolchain: no generated project to build),
/// with a job sized by the mode, and collects mean time and allocations per operation.
/// </summary>
public static class MicroRunner
{
    public static IReadOnlyList<MicroResult> Run(Sizes sizes, string artifactsPath)
    {
        Directory.CreateDirectory(artifactsPath);
        var logPath = Path.Combine(artifactsPath, "benchmarkdotnet.log");
        using var logger = new ProgressLogger(logPath);
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(sizes.MicroWarmups)
            .WithIterationCount(sizes.MicroIterations)
            .WithIterationTime(TimeInterval.FromMilliseconds(sizes.MicroIterationMs))
            .WithId("bench");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(logger)
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);

        Type[] types = [typeof(DomainBenchmarks), typeof(EventCodecBenchmarks), typeof(ProjectionBenchmarks), typeof(TokenValidationBenchmarks)];
        var total = types.Sum(t => t.GetMethods().Count(m => m.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false).Length > 0));
        logger.Total = total;
        var summaries = BenchmarkRunner.Run(types, config);
        var results = new List<MicroResult>();
        // In declaration order: class by class, method by method.
        var ordered = summaries.SelectMany(s => s.Reports)
            .OrderBy(r => Array.IndexOf(types, r.BenchmarkCase.Descriptor.Type))
            .ThenBy(r => Array.IndexOf(r.BenchmarkCase.Descriptor.Type.GetMethods(), r.BenchmarkCase.Descriptor.WorkloadMethod));
        foreach (var report in ordered)
        {
            var benchmark = report.BenchmarkCase;
            var statistics = report.ResultStatistics;
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmark);
            double? gen0 = report.GcStats.TotalOperations > 0 ? report.GcStats.Gen0Collections * 1000.0 / report.GcStats.TotalOperations : null;
            results.Add(new MicroResult(
                benchmark.Descriptor.Type.Name.Replace("Benchmarks", "", StringComparison.Ordinal),
                benchmark.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
                statistics?.Mean ?? double.NaN,
                statistics?.StandardError ?? double.NaN,
                allocated,
                gen0));
        }
        Console.WriteLine($"  micro-benchmarks: {results.Count}/{total} (BenchmarkDotNet log: {Path.GetRelativePath(Environment.CurrentDirectory, logPath)})");
        return results;
    }

    /// <summary>Keeps BenchmarkDotNet's output in a log file and prints one line per benchmark started.</summary>
    private sealed class ProgressLogger(string path) : ILogger, IDisposable
    {
        private readonly StreamWriter _file = new(path);
        private int _started;

        public int Total { get; set; }

        public string Id => "bench-progress";

        public int Priority => 0;

        public void Write(LogKind logKind, string text) => _file.Write(text);

        public void WriteLine() => _file.WriteLine();

        public void WriteLine(LogKind logKind, string text)
        {
            _file.WriteLine(text);
            const string Marker = "// Benchmark: ";
            if (text.StartsWith(Marker, StringComparison.Ordinal))
            {
                _started++;
                var name = text[Marker.Length..];
                var cut = name.IndexOf(": bench", StringComparison.Ordinal);
                Console.WriteLine($"  micro-benchmarks: {_started}/{Total} {(cut > 0 ? name[..cut] : name)}");
            }
        }

        public void Flush() => _file.Flush();

        public void Dispose() => _file.Dispose();
    }
}
