using System.Net;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>Transfer records and receipts in the events container: point reads, guarded replaces, creates that refuse a second one.</summary>
public sealed class CosmosTransferStore(CosmosClient client, IOptions<CosmosOptions> options) : ITransferStore
{
    private readonly Container _events = client.GetContainer(options.Value.DatabaseName, options.Value.EventsContainerName);

    public Task<StoredTransfer?> ReadAsync(string from, string transferId, CancellationToken cancellationToken) =>
        ReadAsync(TransferDocument.IdFor(transferId), from, TransferDocument.Decode, cancellationToken);

    public async Task<bool> TryReplaceAsync(TransferRecord transfer, string etag, CancellationToken cancellationToken)
    {
        using var response = await _events.ReplaceItemStreamAsync(new MemoryStream(TransferDocument.Encode(transfer)), TransferDocument.IdFor(transfer.TransferId),
            new PartitionKey(transfer.From), new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken);
        // 404: the record is gone (its sender erased); the caller reads it again and finds none.
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    public Task<TransferReceipt?> ReadReceiptAsync(string to, string transferId, CancellationToken cancellationToken) =>
        ReadAsync(TransferDocument.ReceiptIdFor(transferId), to, TransferDocument.DecodeReceipt, cancellationToken);

    public async Task<bool> TryCreateReceiptAsync(string to, TransferReceipt receipt, CancellationToken cancellationToken)
    {
        using var response = await _events.CreateItemStreamAsync(new MemoryStream(TransferDocument.EncodeReceipt(to, receipt)), new PartitionKey(to),
            new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
            return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>One point read, decoded; null when there is no such document.</summary>
    private async Task<T?> ReadAsync<T>(string id, string partition, Func<JsonElement, T> decode, CancellationToken cancellationToken) where T : class
    {
        using var response = await _events.ReadItemStreamAsync(id, new PartitionKey(partition), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return decode(document.RootElement);
    }

    public async Task<IReadOnlyList<StoredTransfer>> DebitedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken)
    {
        var found = new List<StoredTransfer>();
        await foreach (var document in _events.QueryDocumentsAsync(EventQueries.TransfersDebitedBefore(cutoff, max), cancellationToken))
            found.Add(TransferDocument.Decode(document));
        return found;
    }
}
