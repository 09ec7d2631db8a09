namespace InventoryFunctions.LocalHost;

/// <summary>What the local host runs and where.</summary>
public sealed class LocalHostOptions
{
    public const string DefaultUrl = "http://localhost:7071";

    /// <summary>The function app's folder: the built worker output with host.json and functions.metadata (func start's script root).</summary>
    public required string ScriptRoot { get; init; }

    /// <summary>The worker assembly in <see cref="ScriptRoot"/>; by default <c>defaultWorkerPath</c> of worker.config.json.</summary>
    public string? WorkerAssembly { get; init; }

    /// <summary>Where the HTTP triggers are served (<c>--urls</c>; port 0 picks a free port).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>Settings on top of local.settings.json and the environment (what a test would put in the environment).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>How long a request waits for a worker that is starting (cold start, restart) before a 503.</summary>
    public TimeSpan WorkerReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a started worker has to connect, initialize and load its functions.</summary>
    public TimeSpan WorkerStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Grace period of WorkerTerminate on shutdown before the process is killed.</summary>
    public TimeSpan WorkerTerminateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);
}
