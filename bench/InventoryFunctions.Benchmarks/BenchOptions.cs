using System.Globalization;
using InventoryFunctions.Functions;

namespace InventoryFunctions.Benchmarks;

public enum BenchMode
{
    Short,
    Full,
    Smoke,
}

/// <summary>The command line of <c>./bench.sh</c>.</summary>
public sealed record BenchOptions(
    BenchMode Mode,
    Uri? BaseUrl,
    string? BearerToken,
    string OutputDirectory,
    int PollDelayMs,
    bool Micro,
    bool Macro)
{
    public const string Usage = """
        Usage: ./bench.sh [--short | --full] [--base-url URL [--token TOKEN]] [options]

          --short              small samples, at most ~3 minutes on 2 cores (default)
          --full               bigger samples (about 10-15 minutes on 2 cores)
          --smoke              tiny samples: checks in seconds that everything runs (numbers meaningless)
          --base-url URL       load a deployed app instead of the local stack, e.g.
                               https://<app>.azurewebsites.net/api (Cosmos request counts are then not available)
          --token TOKEN        bearer token sent as Authorization (with --base-url; locally the
                               bench gets one from the local host's development issuer)
          --out DIR            where the report goes (default: docs/benchmarks locally,
                               .artifacts/benchmarks/remote with --base-url)
          --poll-delay-ms N    change-feed poll delay of the local host's trigger (default: the trigger's, 1000)
          --no-micro           skip the BenchmarkDotNet micro-benchmarks
          --micro-only         only the micro-benchmarks (no app, no Cosmos)
          -h, --help           this text
        """;

    public bool IsLocal => BaseUrl is null;

    public Sizes Sizes => Mode switch
    {
        BenchMode.Full => Sizes.Full,
        BenchMode.Smoke => Sizes.Smoke,
        _ => Sizes.Short,
    };

    /// <returns>The options, or null after printing the usage (help asked or a bad argument).</returns>
    public static BenchOptions? Parse(string[] args, string repositoryRoot)
    {
        var mode = BenchMode.Short;
        Uri? baseUrl = null;
        string? key = null, output = null;
        var pollDelay = ProjectInventoryFunction.FeedPollDelayMs;
        bool micro = true, macro = true;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            try
            {
                switch (args[i])
                {
                    case "--short": mode = BenchMode.Short; break;
                    case "--full": mode = BenchMode.Full; break;
                    case "--smoke": mode = BenchMode.Smoke; break;
                    case "--base-url":
                        var url = Value();
                        baseUrl = Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
                            ? parsed
                            : throw new ArgumentException($"--base-url '{url}' is not an http(s) URL.");
                        break;
                    case "--token": key = Value(); break;
                    case "--out": output = Value(); break;
                    case "--poll-delay-ms":
                        pollDelay = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 10 and <= 60_000
                            ? ms
                            : throw new ArgumentException("--poll-delay-ms takes a whole number of milliseconds, 10 to 60000.");
                        break;
                    case "--no-micro": micro = false; break;
                    case "--micro-only": macro = false; break;
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return null;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("error: " + e.Message);
                Console.Error.WriteLine(Usage);
                return null;
            }
        }

        if (key is not null && baseUrl is null)
        {
            Console.Error.WriteLine("error: --token goes with --base-url (locally the bench gets its token from the development issuer).");
            return null;
        }

        if (!micro && !macro)
        {
            Console.Error.WriteLine("error: --no-micro and --micro-only leave nothing to run.");
            return null;
        }

        output ??= baseUrl is null ? Path.Combine(repositoryRoot, "docs", "benchmarks") : Path.Combine(repositoryRoot, ".artifacts", "benchmarks", "remote");
        return new BenchOptions(mode, baseUrl, key, Path.GetFullPath(output), pollDelay, micro, macro);
    }
}

/// <summary>Sample sizes of one mode.</summary>
public sealed record Sizes(
    int WarmupRequests,
    IReadOnlyList<(int Concurrency, int Appends)> SpreadAppends,
    int InventoriesPerWorker,
    int ContendedConcurrency,
    int ContendedAppends,
    int ColdWarmInventories,
    IReadOnlyList<int> HistoryLengths,
    IReadOnlyList<int> InventoriesPerLength,
    int GetSamplesPerLength,
    IReadOnlyList<int> NaiveSamplesPerLength,
    int TimeTravelSamples,
    int LagSamples,
    int LagLanes,
    int MicroWarmups,
    int MicroIterations,
    int MicroIterationMs)
{
    public const int EventsPerHistoryPost = 50;

    public static Sizes Short { get; } = new(
        WarmupRequests: 60,
        SpreadAppends: [(1, 200), (8, 400), (32, 800)],
        InventoriesPerWorker: 4,
        ContendedConcurrency: 8,
        ContendedAppends: 160,
        ColdWarmInventories: 20,
        HistoryLengths: [10, 1_000, 10_000],
        InventoriesPerLength: [2, 2, 1],
        GetSamplesPerLength: 200,
        NaiveSamplesPerLength: [30, 15, 5],
        TimeTravelSamples: 100,
        LagSamples: 30,
        LagLanes: 3,
        MicroWarmups: 2,
        MicroIterations: 5,
        MicroIterationMs: 100);

    public static Sizes Full { get; } = new(
        WarmupRequests: 300,
        SpreadAppends: [(1, 1_000), (8, 4_000), (32, 8_000)],
        InventoriesPerWorker: 4,
        ContendedConcurrency: 8,
        ContendedAppends: 1_000,
        ColdWarmInventories: 100,
        HistoryLengths: [10, 1_000, 10_000],
        InventoriesPerLength: [5, 3, 2],
        GetSamplesPerLength: 1_000,
        NaiveSamplesPerLength: [200, 50, 15],
        TimeTravelSamples: 300,
        LagSamples: 200,
        LagLanes: 4,
        MicroWarmups: 5,
        MicroIterations: 20,
        MicroIterationMs: 250);

    public static Sizes Smoke { get; } = new(
        WarmupRequests: 8,
        SpreadAppends: [(1, 10), (8, 16), (32, 64)],
        InventoriesPerWorker: 1,
        ContendedConcurrency: 8,
        ContendedAppends: 16,
        ColdWarmInventories: 3,
        HistoryLengths: [10, 100, 500],
        InventoriesPerLength: [1, 1, 1],
        GetSamplesPerLength: 10,
        NaiveSamplesPerLength: [3, 2, 2],
        TimeTravelSamples: 5,
        LagSamples: 4,
        LagLanes: 2,
        MicroWarmups: 1,
        MicroIterations: 1,
        MicroIterationMs: 20);
}
