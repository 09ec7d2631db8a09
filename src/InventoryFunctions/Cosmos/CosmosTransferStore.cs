using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>Transfer records and receipts in the events container: point reads, guarded replaces, creates that refuse a second one.</summary>
public sealed class CosmosTransferStore(CosmosClient client, IOptions<CosmosOptions> options) : ITransferStore
{
    private readonly Container _events = client.GetContainer(options.Value.DatabaseName, options.Value.EventsContainerName);

    public async Task<StoredTransfer?> ReadAsync(string from, string transferId, CancellationToken cancellationToken) =>
        (await _events.ReadDocumentAsync(TransferDocument.IdFor(transferId), new PartitionKey(from), TransferDocument.Decode, cancellationToken))?.Value;

    public async Task<bool> TryReplaceAsync(TransferRecord transfer, string etag, CancellationToken cancellationToken) =>
        await _events.TryCreateOrReplaceAsync(TransferDocument.Encode(transfer), TransferDocument.IdFor(transfer.TransferId), new PartitionKey(transfer.From),
            etag, cancellationToken) is not null;

    public async Task<TransferReceipt?> ReadReceiptAsync(string to, string transferId, CancellationToken cancellationToken) =>
        (await _events.ReadDocumentAsync(TransferDocument.ReceiptIdFor(transferId), new PartitionKey(to), TransferDocument.DecodeReceipt, cancellationToken))?.Value;

    public async Task<bool> TryCreateReceiptAsync(string to, TransferReceipt receipt, CancellationToken cancellationToken) =>
        await _events.TryCreateOrReplaceAsync(TransferDocument.EncodeReceipt(to, receipt), TransferDocument.ReceiptIdFor(receipt.TransferId), new PartitionKey(to),
            etag: null, cancellationToken) is not null;

    public async Task<IReadOnlyList<StoredTransfer>> DebitedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken)
    {
        var found = new List<StoredTransfer>();
        await foreach (var document in _events.QueryDocumentsAsync(EventQueries.TransfersDebitedBefore(cutoff, max), cancellationToken))
            found.Add(TransferDocument.Decode(document));
        return found;
    }
}
