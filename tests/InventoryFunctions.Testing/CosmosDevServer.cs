using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Azure.Cosmos;
using Xunit;

namespace InventoryFunctions.Testing;

/// <summary>
/// Runs the local Cosmos DB dev server (tools/devstack/cosmos-dev-server.js, an in-memory stand-in
/// for the Cosmos DB emulator) as a child process on a free loopback port.
/// </summary>
public sealed partial class CosmosDevServer : IAsyncDisposable
{
    /// <summary>The emulator's well-known key; the dev server does not check auth.</summary>
    public const string AccountKey =
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Set it to a Cosmos DB connection string (the official emulator's, say) to run the integration tests there.</summary>
    public const string ConnectionSetting = "CosmosDb";

    private readonly Process? _process;
    private readonly StringBuilder _log;
    private readonly string? _externalConnectionString;

    private CosmosDevServer(Process? process, Uri endpoint, StringBuilder log, string? externalConnectionString = null)
    {
        _process = process;
        _log = log;
        Endpoint = endpoint;
        _externalConnectionString = externalConnectionString;
    }

    public Uri Endpoint { get; }

    public string ConnectionString => _externalConnectionString ?? $"AccountEndpoint={Endpoint};AccountKey={AccountKey};";

    /// <summary>
    /// The Cosmos DB named by the <c>CosmosDb</c> environment variable (e.g. the official emulator from
    /// docker-compose.yml), else a dev server started for the caller. Only the dev server's own tests insist on it.
    /// </summary>
    public static Task<CosmosDevServer> StartUnlessConfiguredAsync(CancellationToken cancellationToken = default)
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionSetting);
        if (string.IsNullOrWhiteSpace(configured))
            return StartAsync(cancellationToken);
        var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured };
        var endpoint = new Uri((string)builder["AccountEndpoint"]);
        return Task.FromResult(new CosmosDevServer(null, endpoint, new StringBuilder(), configured));
    }

    /// <summary>Standard output and error the server wrote so far (for diagnostics).</summary>
    public string ServerLog
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static Task<CosmosDevServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(faults: null, cancellationToken);

    /// <summary>Starts a dev server already in fault mode (its <c>--faults</c> option), so even its first request may fail.</summary>
    public static async Task<CosmosDevServer> StartAsync(CosmosFaultRule? faults, CancellationToken cancellationToken = default)
    {
        var devstack = RepositoryPaths.DevStack;
        var script = Path.Combine(devstack, "cosmos-dev-server.js");
        if (!Directory.Exists(Path.Combine(devstack, "node_modules", "@vercel", "cosmosdb-server")))
        {
            throw new InvalidOperationException(
                $"The Cosmos dev server's npm packages are missing: run 'npm ci' in {devstack} (test.sh does this).");
        }

        // --port 0: the server binds a free port itself and reports it, so no port race.
        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = devstack,
        };
        foreach (var arg in new[]
                 {
                     script, "--port", "0", "--host", "127.0.0.1",
                     "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                 })
        {
            startInfo.ArgumentList.Add(arg);
        }

        if (faults is not null)
        {
            startInfo.ArgumentList.Add("--faults");
            startInfo.ArgumentList.Add(faults.ToJson().ToJsonString());
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            var match = ReadyLine().Match(e.Data);
            if (match.Success)
            {
                ready.TrySetResult(new Uri(match.Groups[1].Value));
            }
            else
            {
                Append(log, e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Append(log, e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The Cosmos dev server exited."));

        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException("Could not start node.");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException("Could not start 'node' (Node.js 20+ must be on PATH).", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var endpoint = await ready.Task.WaitAsync(StartTimeout, cancellationToken).ConfigureAwait(false);
            return new CosmosDevServer(process, endpoint, log);
        }
        catch (Exception e)
        {
            Kill(process);
            process.WaitForExit(); // drains the redirected output
            process.Dispose();
            if (e is OperationCanceledException)
            {
                throw;
            }

            string output;
            lock (log)
            {
                output = log.ToString();
            }

            var reason = e is TimeoutException ? $"no ready line within {StartTimeout.TotalSeconds:0} s" : e.Message;
            throw new InvalidOperationException($"The Cosmos dev server did not start ({reason}). Its output:\n{output}", e);
        }
    }

    /// <summary>
    /// A client for the dev server: Gateway mode (the server speaks only the HTTP gateway protocol) and
    /// LimitToEndpoint (do not follow the account's region list).
    /// </summary>
    public CosmosClient CreateClient(Action<CosmosClientOptions>? configure = null)
    {
        var options = new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
        };
        configure?.Invoke(options);
        return new CosmosClient(ConnectionString, options);
    }

    public ValueTask DisposeAsync()
    {
        _control?.Dispose();
        if (_process is not null)
        {
            Kill(_process);
            _process.Dispose();
        }
        return ValueTask.CompletedTask;
    }


    private static void Append(StringBuilder log, string line)
    {
        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
    }

    [GeneratedRegex(@"^cosmos-dev-server listening on (http://\S+/)$")]
    private static partial Regex ReadyLine();
}

/// <summary>xunit class fixture: one dev server and one client per test class.</summary>
public sealed class CosmosDevServerFixture : IAsyncLifetime
{
    private CosmosDevServer? _server;
    private CosmosClient? _client;

    public CosmosDevServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    public CosmosClient Client => _client ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        _server = await CosmosDevServer.StartAsync().ConfigureAwait(false);
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
