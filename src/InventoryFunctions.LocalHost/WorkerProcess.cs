using System.Diagnostics;
using System.Globalization;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// One run of the app's isolated worker: <c>dotnet &lt;app&gt;.dll</c> with the arguments and environment the
/// Functions host gives a dotnet-isolated worker. Its standard output and error go to the host's log, as with
/// <c>func start</c>.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process, string workerId)
    {
        _process = process;
        WorkerId = workerId;
    }

    public string WorkerId { get; }

    public int ProcessId => _process.Id;

    /// <summary>Completes with the exit code when the process is gone, however it ended.</summary>
    public Task<int> Exited => _exited.Task;

    public static WorkerProcess Start(string scriptRoot, string workerAssembly, Uri rpcEndpoint, HostSettings settings, ILogger logger)
    {
        var workerId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = scriptRoot,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            Path.Combine(scriptRoot, workerAssembly),
            "--functions-uri", rpcEndpoint.ToString(),
            "--functions-worker-id", workerId,
            "--functions-request-id", Guid.NewGuid().ToString(),
            "--functions-grpc-max-message-length", int.MaxValue.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in settings.Values)
            start.Environment[name] = value;
        // What the Functions host sets for every worker it starts.
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = scriptRoot;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = scriptRoot;
        start.Environment["AzureWebJobsScriptRoot"] = scriptRoot;
        start.Environment.TryAdd("AZURE_FUNCTIONS_ENVIRONMENT", "Development");

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, workerId);
        process.OutputDataReceived += (_, e) => { if (!string.IsNullOrEmpty(e.Data)) logger.LogDebug("{WorkerOutput}", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (!string.IsNullOrEmpty(e.Data)) logger.LogWarning("{WorkerError}", e.Data); };
        process.Exited += (_, _) => worker._exited.TrySetResult(SafeExitCode(process));
        if (!process.Start())
            throw new InvalidOperationException("Could not start the worker process (dotnet).");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Ends the process and its children now (the host's last resort after WorkerTerminate's grace period).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
