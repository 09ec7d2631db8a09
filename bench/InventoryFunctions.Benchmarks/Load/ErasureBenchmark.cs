using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Functions;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Benchmarks.Load;

/// <summary>
/// <c>./bench.sh --erasure [sizes…]</c>: the time and Cosmos DB requests of erasing an inventory of N events (default
/// 100, 10,000 and 50,000), through the API and the real job, on each delete path: one app instance that deletes in
/// batches, one with delete-by-partition-key (the dev server started with the capability). The logs are written
/// straight into the events container (transactional batches of 100 events), with the change-feed functions off, so
/// the measurement is the erasure's alone: the events partition (plus the refusing head the job creates) and its steps;
/// the views, bounded by ~1,025 documents per view, are not built. Time is from the DELETE to the job reading
/// completed (polled every 50 ms); requests and request units are the job's own count (what the store answered).
/// Writes docs/benchmarks/erasure.md.
/// </summary>
public static class ErasureBenchmark
{
    private const string PartitionKeyQueue = "inventory-erasures-pk";

    public static async Task<int> RunAsync(string[] args, string root)
    {
        var sizes = args.Length == 0 ? [100, 10_000, 50_000] : args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var off = ChangeFeedFunctions.All.ToDictionary(f => $"AzureWebJobs.{f.Name}.Disabled", _ => (string?)"true");
        off[AppSettings.ErasureThrottleMs] = "0";
        Console.WriteLine("==> erasure benchmark: starting the local stack (dev server with DeleteAllItemsByPartitionKey)");
        await using var stack = await LocalStack.StartAsync(settings: off, cosmosCapabilities: ["DeleteAllItemsByPartitionKey"]);
        await new QueueClient(stack.Azurite.ConnectionString, PartitionKeyQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).CreateIfNotExistsAsync();
        var byKeySettings = new Dictionary<string, string?>(off)
        {
            [AppSettings.ErasureDeleteByPartitionKey] = "true",
            [AppSettings.ErasureQueueName] = PartitionKeyQueue,
        };
        await using var byKey = await stack.StartAppAsync(byKeySettings);
        var batched = stack.App;
        var rows = new List<string>();
        foreach (var size in sizes)
        {
            foreach (var (path, app) in new[] { ("batched", batched), ("delete-by-partition-key", byKey) })
            {
                var id = LocalStack.NewInventoryId($"erase{size}");
                await ImportAsync(stack.Events, id, size);
                using var http = app.CreateHttpClient();
                var clock = Stopwatch.StartNew();
                using var accepted = await http.DeleteAsync($"inventories/{id}");
                accepted.EnsureSuccessStatusCode();
                var jobId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString();
                JsonElement job = default;
                do
                {
                    await Task.Delay(50);
                    using var polled = await http.GetAsync($"erasures/{jobId}");
                    if (!polled.IsSuccessStatusCode)
                        continue; // the host answers 503 while it replaces a worker: poll again
                    job = await polled.Content.ReadFromJsonAsync<JsonElement>();
                }
                while (job.ValueKind != JsonValueKind.Object || job.GetProperty("state").GetString() != "completed");
                var seconds = clock.Elapsed.TotalSeconds;
                var ran = (job.GetProperty("completedAt").GetDateTime() - job.GetProperty("startedAt").GetDateTime()).TotalSeconds;
                var row = FormattableString.Invariant(
                    $"| {size:N0} | {path} | {seconds:0.00} s | {ran:0.00} s | {job.GetProperty("requests").GetInt64():N0} | {job.GetProperty("requestCharge").GetDouble():N0} RU | {job.GetProperty("documentsDeleted").GetInt64():N0} |");
                Console.WriteLine(row);
                rows.Add(row);
            }
        }

        var report = new StringBuilder()
            .AppendLine("# Erasure benchmark")
            .AppendLine()
            .AppendLine(FormattableString.Invariant($"`./bench.sh --erasure {string.Join(' ', sizes)}` on {Environment.ProcessorCount} cores, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, the local stack (Cosmos DB dev server: modelled request units; compare shapes and counts, not absolute times)."))
            .AppendLine("Time: the DELETE to the job reading `completed` (includes the queue's pickup: an idle queue is polled with a backoff up to a minute, and the board step's 2 s grace after the DELETE), and the job's own running time. Requests and RU: the job's own count (the dev server charges a delete-by-partition-key's deletes on its one request; Azure runs them in the background within 10 % of the container's RU/s). Documents: events, snapshots and the refusing head (no views: change-feed functions off).")
            .AppendLine()
            .AppendLine("| events | path | DELETE to completed | job running (first step done to completed) | Cosmos requests | request units | documents deleted |")
            .AppendLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
            report.AppendLine(row);
        var file = Path.Combine(root, "docs", "benchmarks", "erasure.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Console.WriteLine($"==> written {Path.GetRelativePath(Environment.CurrentDirectory, file)}");
        return 0;
    }

    /// <summary>N one-unit adds of 100 distinct items, straight into the log, 100 events per transactional batch.</summary>
    private static async Task ImportAsync(Container events, string inventoryId, int count)
    {
        var at = DateTimeOffset.UtcNow;
        for (var from = 1; from <= count; from += 100)
        {
            var batch = events.CreateTransactionalBatch(new PartitionKey(inventoryId));
            for (var version = from; version < from + 100 && version <= count; version++)
                batch.CreateItemStream(new MemoryStream(EventCodec.Encode(inventoryId, new RecordedEvent(version, at, new ItemAdded($"item-{version % 100}", 1)))));
            using var response = await batch.ExecuteAsync();
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"Import failed: {response.StatusCode} {response.ErrorMessage}");
        }
    }
}
