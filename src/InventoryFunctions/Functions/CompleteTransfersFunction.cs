using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// The relay of transfers: the events change feed delivers each transfer record the debit created, and this function
/// drives it to its end (credit or refusal on the receiver, then completed or refunded on the sender). Its own lease
/// prefix gives it its own checkpoints; a failed batch is retried before its lease moves on (the retry policy), so a
/// transient fault (429, 503, a timeout) delays a transfer and never decides it. Redelivery, a second instance or a
/// replay of the whole feed under a new prefix changes nothing: the receiver's receipt and the record's state decide.
/// </summary>
public sealed class CompleteTransfersFunction(TransferService transfers, ILogger<CompleteTransfersFunction> logger)
{
    public const string LeasePrefix = "transfers-";

    [Function(nameof(CompleteTransfers))]
    [ExponentialBackoffRetry(-1, "00:00:01", "00:01:00")]
    public async Task CompleteTransfers(
        [CosmosDBTrigger(
            databaseName: "%" + AppSettings.DatabaseName + "%",
            containerName: "%" + AppSettings.EventsContainerName + "%",
            Connection = AppSettings.CosmosConnection,
            LeaseContainerName = "%" + AppSettings.LeasesContainerName + "%",
            LeaseContainerPrefix = LeasePrefix,
            MaxItemsPerInvocation = ProjectInventoryFunction.MaxItemsPerInvocation,
            CreateLeaseContainerIfNotExists = false,
            StartFromBeginning = true,
            FeedPollDelay = ProjectInventoryFunction.FeedPollDelayMs,
            LeaseRenewInterval = ProjectInventoryFunction.LeaseRenewIntervalMs,
            LeaseAcquireInterval = ProjectInventoryFunction.LeaseAcquireIntervalMs,
            LeaseExpirationInterval = ProjectInventoryFunction.LeaseExpirationIntervalMs)]
        IReadOnlyList<JsonElement> documents,
        CancellationToken cancellationToken)
    {
        foreach (var document in documents.Where(TransferDocument.IsTransfer))
        {
            StoredTransfer stored;
            try
            {
                stored = TransferDocument.Decode(document);
            }
            catch (InvalidDataException ex)
            {
                // Not ours to repair here: the timer lists what stays debited, and the record is read again there.
                logger.LogError(ex, "A transfer record in the events feed cannot be read: {Id}", document.TryGetProperty("id", out var id) ? id.ToString() : null);
                continue;
            }
            if (stored.Transfer.State == TransferStates.Debited)
                await transfers.DriveAsync(stored, cancellationToken);
        }
    }
}
