using System.Diagnostics;
using System.Globalization;
using InventoryFunctions.Benchmarks;
using InventoryFunctions.Benchmarks.Load;
using InventoryFunctions.Benchmarks.Micro;
using InventoryFunctions.Benchmarks.Report;
using InventoryFunctions.Benchmarks.Stack;
using InventoryFunctions.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var root = RepositoryPaths.Root;
var options = BenchOptions.Parse(args, root);
if (options is null)
    return args.Any(a => a is "-h" or "--help") ? 0 : 2;

var clock = Stopwatch.StartNew();
var machine = MachineInfo.Collect();
using var load = new LoadSampler();
var report = new BenchReport
{
    Run = new RunInfo
    {
        Mode = options.Mode.ToString().ToLowerInvariant(),
        Target = options.IsLocal ? "the local stack (Cosmos DB dev server, Azurite, the app's worker processes under the local Functions host)" : options.BaseUrl!.ToString(),
        Local = options.IsLocal,
        StartedAt = DateTimeOffset.UtcNow,
        Machine = machine,
        Commit = Commit(root),
        PollDelayMs = options.PollDelayMs,
        Sizes = options.Sizes,
        RunId = Guid.NewGuid().ToString("N")[..6],
        CommandLine = "./bench.sh" + (args.Length == 0 ? " --short" : " " + string.Join(' ', args.Select(a => a == options.BearerToken ? "***" : a))),
    },
};

Console.WriteLine(FormattableString.Invariant(
    $"InventoryFunctions benchmarks — {report.Run.Mode} mode against {report.Run.Target}; {machine.Cores} cores, load average {MachineInfo.LoadAverage():0.0}; report → {Path.GetRelativePath(Environment.CurrentDirectory, options.OutputDirectory)}"));
var status = 0;
try
{
    if (options.Macro)
    {
        BenchStack? stack = null;
        if (options.IsLocal)
        {
            Console.WriteLine("==> starting the local stack (Cosmos DB dev server, Azurite, the app's worker under the local Functions host)");
            stack = await BenchStack.StartAsync(options.PollDelayMs);
            report.Run.SnapshotInterval = stack.SnapshotInterval;
            Console.WriteLine($"  app on {stack.ApiBase}, change-feed poll delay {options.PollDelayMs} ms");
        }
        try
        {
            using var http = TimedApiClient.CreateHttpClient(stack?.ApiBase ?? options.BaseUrl!, stack?.Token ?? options.BearerToken);
            await new MacroBenchmarks(options, new TimedApiClient(http), stack, report, load).RunAsync();
            if (stack is not null)
            {
                // The app validates every request's token with keys it fetched once: the issuer counts the fetches.
                Console.WriteLine($"  bearer tokens: {stack.JwksFetches} JWKS fetch(es), {stack.DiscoveryFetches} discovery fetch(es) by the app over the run");
                report.Notes.Add(FormattableString.Invariant(
                    $"Every request carried a bearer token from the local host's development issuer; the app fetched its JWKS {stack.JwksFetches} time(s) and its discovery document {stack.DiscoveryFetches} time(s) over the run (cached; refetched only for an unknown key id)."));
            }
        }
        finally
        {
            if (stack is not null)
                await stack.DisposeAsync();
        }
    }

    if (options.Micro)
    {
        Console.WriteLine("==> micro-benchmarks (BenchmarkDotNet, in process)");
        report.Micro.AddRange(MicroRunner.Run(options.Sizes, Path.Combine(root, ".artifacts", "benchmarks", "BenchmarkDotNet.Artifacts")));
        load.Mark("micro-benchmarks");
    }
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"error: the benchmark failed: {e}");
    report.Notes.Add($"**This run failed** ({e.GetType().Name}: {e.Message}); the report holds what was measured before.");
    status = 1;
}

report.Run.FinishedAt = DateTimeOffset.UtcNow;
report.Run.Load = load.Summary();
Notes.Add(report);
ReportWriter.Write(report, options.OutputDirectory);

Console.WriteLine(FormattableString.Invariant($"==> done in {clock.Elapsed.TotalSeconds:0} s; report: {Path.Combine(Path.GetRelativePath(Environment.CurrentDirectory, options.OutputDirectory), ReportWriter.ReportFile)}"));
foreach (var target in Targets.Evaluate(report))
    Console.WriteLine($"  [{target.Verdict switch { Verdict.Met => "met", Verdict.Missed => "MISSED", _ => "n/a" }}] {target.Target}: {target.Measured}");
return status;

static string Commit(string root)
{
    var commit = MachineInfo.Run("git", $"-C \"{root}\" rev-parse --short HEAD") ?? "unknown";
    var dirty = MachineInfo.Run("git", $"-C \"{root}\" status --porcelain --untracked-files=no");
    return dirty is null ? $"`{commit}`" : $"`{commit}` with uncommitted changes";
}
