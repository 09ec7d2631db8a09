using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>The states of a transfer, as stored and answered.</summary>
public static class TransferStates
{
    /// <summary>The sender was debited; the receiver has not been credited (or refused) yet.</summary>
    public const string Debited = "debited";

    /// <summary>The receiver was credited.</summary>
    public const string Completed = "completed";

    /// <summary>The receiver refused for good and the sender got the units back.</summary>
    public const string Refunded = "refunded";
}

/// <summary>
/// A transfer as its record in the sender's partition holds it: created in the debit's batch (so it exists exactly
/// when the debit does), moved on once, to <see cref="TransferStates.Completed"/> or <see cref="TransferStates.Refunded"/>.
/// </summary>
/// <param name="Reason">Why the receiver refused, for a refunded transfer.</param>
public sealed record TransferRecord(
    string TransferId, string From, string To, IReadOnlyList<TransferLine> Items, string State, string? Reason, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

/// <summary>A transfer record and the concurrency token it was read with.</summary>
public sealed record StoredTransfer(TransferRecord Transfer, string ETag);

/// <summary>
/// The receiver's word on a transfer, in its own partition: created once (a second create of the same transfer's
/// receipt is refused by the store), in the credit's batch when credited, alone when refused. It is what makes the
/// credit happen at most once whatever redelivers the transfer, and it is kept as long as the log.
/// </summary>
/// <param name="Reason">Why the receiver refused; null when credited.</param>
public sealed record TransferReceipt(string TransferId, string From, bool Credited, string? Reason, DateTimeOffset At);

/// <summary>A document written in the same transaction as an append, in the same inventory's partition.</summary>
public abstract record StreamCompanion
{
    private StreamCompanion()
    {
    }

    /// <summary>Creates the transfer record (the debit's batch); refused when it exists.</summary>
    public sealed record CreateTransfer(TransferRecord Transfer) : StreamCompanion;

    /// <summary>Replaces the transfer record if it is still at <paramref name="ETag"/> (the refund's batch).</summary>
    public sealed record ReplaceTransfer(TransferRecord Transfer, string ETag) : StreamCompanion;

    /// <summary>Creates the receiver's receipt (the credit's batch); refused when one exists.</summary>
    public sealed record CreateReceipt(TransferReceipt Receipt) : StreamCompanion;
}

/// <summary>Where transfer records and receipts live (the events container, beside the logs they belong to).</summary>
public interface ITransferStore
{
    /// <summary>The transfer record in the sender's partition; null when there is none.</summary>
    Task<StoredTransfer?> ReadAsync(string from, string transferId, CancellationToken cancellationToken);

    /// <summary>Replaces the record if it is still at <paramref name="etag"/>; false when it changed meanwhile.</summary>
    Task<bool> TryReplaceAsync(TransferRecord transfer, string etag, CancellationToken cancellationToken);

    /// <summary>The receipt in the receiver's partition; null when the receiver has not answered yet.</summary>
    Task<TransferReceipt?> ReadReceiptAsync(string to, string transferId, CancellationToken cancellationToken);

    /// <summary>Creates a receipt on its own (a refusal); false when the receiver already holds one for the transfer.</summary>
    Task<bool> TryCreateReceiptAsync(string to, TransferReceipt receipt, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> transfers still debited that were created before <paramref name="cutoff"/> (a cross-partition query).</summary>
    Task<IReadOnlyList<StoredTransfer>> DebitedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken);
}
