using InventoryFunctions.Testing;

namespace InventoryFunctions.IntegrationTests.Infrastructure;

/// <summary>What the fault-load tests share: a client that retries as a well-behaved one would, and a worker crash.</summary>
internal static class RetryingClient
{
    /// <summary>
    /// Sends the request <paramref name="request"/> builds (the same key and body each time) until the answer is not a 5xx
    /// and the connection did not break, backing off as a client should (a crashed worker takes seconds to be replaced);
    /// the last try's answer stands whatever it is. Returns the answer and how many tries it took.
    /// </summary>
    public static async Task<(JsonReply Reply, int Tries)> SendUntilAnsweredAsync(HttpClient http, Func<HttpRequestMessage> request, int maxTries)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                var reply = await http.ExchangeAsync(request());
                if ((int)reply.Status < 500 || tries >= maxTries)
                    return (reply, tries);
            }
            catch (HttpRequestException) when (tries < maxTries)
            {
            }
            await Task.Delay(Math.Min(1000, 20 << Math.Min(tries, 6)));
        }
    }

    /// <summary>The problem type's last segment of a problem+json answer, else null.</summary>
    public static string? ProblemOf(JsonReply reply) =>
        reply.MediaType == "application/problem+json" ? reply.Body.GetProperty("type").GetString()!.Split('/')[^1] : null;

    /// <summary>Kills the shared app's worker as a crash would (SIGKILL: no shutdown, no checkpoint, no flush).</summary>
    public static int KillWorker(LocalStackFixture stack)
    {
        var worker = stack.Stack.App.Workers.WorkerProcessId ?? throw new InvalidOperationException("no worker runs");
        System.Diagnostics.Process.GetProcessById(worker).Kill();
        return worker;
    }
}
