using System.Diagnostics;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// What every non-HTTP trigger listener does with an invocation it built: hand it to a ready worker, log the outcome as
/// the Functions host does ("Executed 'Functions.X' (Succeeded|Failed, Id=…, Duration=…)"), and say whether it failed.
/// </summary>
public static class TriggerInvocation
{
    /// <returns>Null when the function succeeded; else why it failed (its exception, or the worker going away).</returns>
    public static async Task<string?> InvokeAsync(WorkerHost workers, LocalHostOptions options, ILogger logger, string function, InvocationRequest request,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var worker = await workers.GetReadyWorkerAsync(options.WorkerReadyTimeout, cancellationToken);
            // Invocations are matched by id for the worker's lifetime; the worker may go away mid-invocation.
            var response = await worker.Channel.InvokeAsync(function, request, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.Result?.Status == StatusResult.Types.Status.Success)
            {
                logger.LogDebug("Executed 'Functions.{Function}' (Succeeded, Id={InvocationId}, Duration={Duration:0}ms)", function, request.InvocationId, elapsed);
                return null;
            }
            var error = response.Result?.Exception?.Message ?? "the function failed";
            logger.LogError("Executed 'Functions.{Function}' (Failed, Id={InvocationId}, Duration={Duration:0}ms) {Error}", function, request.InvocationId, elapsed, error);
            return error;
        }
        catch (WorkerUnavailableException ex)
        {
            logger.LogError("Executed 'Functions.{Function}' (Failed, Id={InvocationId}): {Error}", function, request.InvocationId, ex.Message);
            return ex.Message;
        }
    }
}
