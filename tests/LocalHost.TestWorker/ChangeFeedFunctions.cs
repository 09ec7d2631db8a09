using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LocalHost.TestWorker;

/// <summary>
/// Two Cosmos DB triggers sharing one lease container (so each has its own prefix), alike but for the retry policy.
/// Each delivery of a document is logged with its attempt number; a document fails while the file named by its
/// <c>failWhileExists</c> exists, so a test decides when the batch may succeed.
/// </summary>
public sealed class ChangeFeedFunctions(ILogger<ChangeFeedFunctions> logger)
{
    private static readonly ConcurrentDictionary<string, int> Attempts = new();

    [Function("WithRetry")]
    [FixedDelayRetry(-1, "00:00:00.200")]
    public void WithRetry(
        [CosmosDBTrigger("%CosmosDatabaseName%", "with-retry", Connection = "CosmosDb", LeaseContainerName = "leases",
            LeaseContainerPrefix = "with-retry-", StartFromBeginning = true, FeedPollDelay = 200)]
        IReadOnlyList<JsonElement> documents) =>
        Deliver(nameof(WithRetry), documents);

    [Function("WithoutRetry")]
    public void WithoutRetry(
        [CosmosDBTrigger("%CosmosDatabaseName%", "without-retry", Connection = "CosmosDb", LeaseContainerName = "leases",
            LeaseContainerPrefix = "without-retry-", StartFromBeginning = true, FeedPollDelay = 200)]
        IReadOnlyList<JsonElement> documents) =>
        Deliver(nameof(WithoutRetry), documents);

    private void Deliver(string function, IReadOnlyList<JsonElement> documents)
    {
        foreach (var document in documents)
        {
            var id = document.GetProperty("id").GetString()!;
            var attempt = Attempts.AddOrUpdate($"{function}/{id}", 1, (_, n) => n + 1);
            logger.LogInformation("Delivered {Function} {Id} attempt {Attempt}", function, id, attempt);
            if (document.TryGetProperty("failWhileExists", out var path) && File.Exists(path.GetString()))
                throw new InvalidOperationException($"{function} fails {id} on attempt {attempt}");
        }
    }
}
