using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace InventoryFunctions.Testing;

/// <summary>
/// Azurite (the Azure Storage emulator, pinned in tools/devstack) as an in-memory child process on free
/// loopback ports. Tests use it for queues exactly as the app uses Azure Storage.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // The emulator's documented, public development account.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private AzuriteServer(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};";
    }

    public string ConnectionString { get; }

    public static async Task<AzuriteServer> StartAsync()
    {
        var script = Path.Combine(RepositoryPaths.DevStackModules, "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
            throw new InvalidOperationException($"Azurite is not installed at {script}: run `npm ci` in tools/devstack (./test.sh does).");

        int blobPort = FreeTcpPort(), queuePort = FreeTcpPort(), tablePort = FreeTcpPort();
        var workspace = Directory.CreateTempSubdirectory("azurite-").FullName;
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workspace,
        };
        foreach (var argument in new[]
        {
            script, "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
            "--blobHost", "127.0.0.1", "--blobPort", $"{blobPort}",
            "--queueHost", "127.0.0.1", "--queuePort", $"{queuePort}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{tablePort}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var server = new AzuriteServer(process, blobPort, queuePort, tablePort);
        string Errors()
        {
            lock (stderr)
                return $"Azurite's stderr:\n{stderr}";
        }
        try
        {
            // Generous: on a loaded 2-core machine Azurite's start has been seen to take over 30 s.
            await Eventually.UntilAsync("Azurite to listen on its three ports", () => process.HasExited
                ? throw new InvalidOperationException($"Azurite exited with {process.ExitCode} before it listened. {Errors()}")
                : IsListening(blobPort) && IsListening(queuePort) && IsListening(tablePort), StartTimeout, detail: Errors);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
