using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Application;

/// <summary>A transfer as the HTTP edge hands it over, already validated.</summary>
/// <param name="Actor">Who asks (from the bearer token): the debit's actor, and whose <paramref name="IdempotencyKey"/> it is, so another caller's key names another transfer.</param>
public sealed record TransferRequest(string From, string To, IReadOnlyList<TransferLine> Items, string IdempotencyKey, long? ExpectedVersion = null, Actor? Actor = null)
{
    /// <summary>What the key is scoped to: the caller's actor id ("" without one, as in tests of the use case alone).</summary>
    public string Scope => Actor?.Id ?? "";
}

/// <summary>What became of a transfer request.</summary>
public abstract record TransferOutcome
{
    private TransferOutcome()
    {
    }

    /// <param name="Replayed">True when the same request had started it before (the transfer as it stands now).</param>
    public sealed record Started(TransferRecord Transfer, bool Replayed) : TransferOutcome;

    /// <summary>The debit did not happen (not enough held, another version, too much contention, the key reused); nothing was written.</summary>
    public sealed record NotStarted(CommandOutcome Outcome) : TransferOutcome;
}

/// <summary>A transfer could not be driven on now (contention, a receipt not readable yet); the caller retries it.</summary>
public sealed class TransferRetryException(string message) : Exception(message);

/// <summary>
/// Moves items between two inventories exactly once. <see cref="StartAsync"/> debits the sender and creates the
/// transfer record in one batch. <see cref="DriveAsync"/> (from the change feed, and from the timer for transfers
/// left behind) credits the receiver with a receipt that its partition can hold only once, or records its refusal,
/// then completes the record or refunds the sender in one batch with the record's change (guarded by its etag and
/// state). Each step can run any number of times, from any instance, in any interleaving: the receipt decides
/// credited-or-refused once, and the record moves out of <see cref="TransferStates.Debited"/> once.
/// </summary>
public sealed class TransferService(InventoryService commands, ITransferStore transfers, TimeProvider time, ILogger<TransferService> logger)
{
    private const int MaxAttempts = 5;

    /// <summary>How long a transfer may stay debited before it counts as stuck: the relay takes about a second.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(1);

    /// <summary>The actor of the credits and refunds: the app itself, finishing what the sender's actor started.</summary>
    public static readonly Actor Relay = new(ActorKind.System, "transfer-relay");

    public async Task<TransferOutcome> StartAsync(TransferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var transferId = Transfers.IdFor(request.From, request.Scope, request.IdempotencyKey);
        var record = new TransferRecord(transferId, request.From, request.To, request.Items, TransferStates.Debited, null, time.GetUtcNow(), null);
        var outcome = await commands.HandleAsync(new CommandRequest(request.From, new TransferOut(transferId, request.To, request.Items),
            request.ExpectedVersion, request.IdempotencyKey, request.Actor, new StreamCompanion.CreateTransfer(record)), cancellationToken);
        switch (outcome)
        {
            case CommandOutcome.Appended { Replayed: false }:
                logger.LogInformation("Transfer {TransferId} from {From} to {To} debited ({Lines} lines)", transferId, request.From, request.To, request.Items.Count);
                return new TransferOutcome.Started(record, Replayed: false);
            case CommandOutcome.Appended or CommandOutcome.CompanionConflict:
                // The same request started it before (its idempotency record, or the transfer record itself once that expired).
                var existing = await transfers.ReadAsync(request.From, transferId, cancellationToken)
                    ?? throw new TransferRetryException($"Transfer {transferId} was debited but its record cannot be read yet.");
                return SameRequest(existing.Transfer, request)
                    ? new TransferOutcome.Started(existing.Transfer, Replayed: true)
                    : new TransferOutcome.NotStarted(new CommandOutcome.IdempotencyKeyReused());
            default:
                return new TransferOutcome.NotStarted(outcome);
        }
    }

    public Task<StoredTransfer?> GetAsync(string from, string transferId, CancellationToken cancellationToken) =>
        transfers.ReadAsync(from, transferId, cancellationToken);

    /// <summary>
    /// Takes a transfer still debited to its end: the receiver credited (or its refusal recorded), then the record
    /// completed (or the sender refunded). A transfer already at its end is returned as it is.
    /// </summary>
    /// <exception cref="TransferRetryException">It could not go on now: the caller retries (the change feed redelivers, the timer comes back).</exception>
    public async Task<TransferRecord> DriveAsync(StoredTransfer stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Transfer.State != TransferStates.Debited)
            return stored.Transfer;
        var receipt = await CreditAsync(stored.Transfer, cancellationToken);
        return await FinishAsync(stored, receipt, cancellationToken);
    }

    /// <summary>Drives every transfer still debited after <paramref name="olderThan"/> (a lost feed, a parked receiver): how many were.</summary>
    public async Task<int> DriveStuckAsync(TimeSpan olderThan, int max, CancellationToken cancellationToken)
    {
        var stuck = await transfers.DebitedBeforeAsync(time.GetUtcNow() - olderThan, max, cancellationToken);
        foreach (var stored in stuck)
        {
            logger.LogWarning("Transfer {TransferId} from {From} to {To} still debited since {CreatedAt}; driving it on",
                stored.Transfer.TransferId, stored.Transfer.From, stored.Transfer.To, stored.Transfer.CreatedAt);
            await DriveAsync(stored, cancellationToken);
        }
        return stuck.Count;
    }

    /// <summary>The receiver's receipt: made now (credited with the credit's events, or a refusal alone), or the one it holds.</summary>
    private async Task<TransferReceipt> CreditAsync(TransferRecord transfer, CancellationToken cancellationToken)
    {
        var credited = new TransferReceipt(transfer.TransferId, transfer.From, Credited: true, null, time.GetUtcNow());
        var outcome = await commands.HandleAsync(new CommandRequest(transfer.To, new ReceiveTransfer(transfer.TransferId, transfer.From, transfer.Items),
            Actor: Relay, Companion: new StreamCompanion.CreateReceipt(credited)), cancellationToken);
        switch (outcome)
        {
            case CommandOutcome.Appended:
                logger.LogInformation("Transfer {TransferId} credited to {To}", transfer.TransferId, transfer.To);
                return credited;
            case CommandOutcome.Rejected rejected:
                // A refusal for good (a holding limit): recorded once; a racing credit may have won meanwhile.
                var refused = credited with { Credited = false, Reason = Describe(rejected.Reason) };
                if (await transfers.TryCreateReceiptAsync(transfer.To, refused, cancellationToken))
                {
                    logger.LogWarning("Transfer {TransferId} refused by {To}: {Reason}", transfer.TransferId, transfer.To, refused.Reason);
                    return refused;
                }
                return await ExistingReceiptAsync(transfer, cancellationToken);
            case CommandOutcome.CompanionConflict:
                return await ExistingReceiptAsync(transfer, cancellationToken);
            case CommandOutcome.TooMuchContention:
                throw new TransferRetryException($"Crediting transfer {transfer.TransferId} to '{transfer.To}' met too much contention.");
            default:
                throw new InvalidOperationException($"Unexpected outcome {outcome.GetType().Name} crediting transfer {transfer.TransferId}.");
        }
    }

    private async Task<TransferReceipt> ExistingReceiptAsync(TransferRecord transfer, CancellationToken cancellationToken) =>
        await transfers.ReadReceiptAsync(transfer.To, transfer.TransferId, cancellationToken)
            ?? throw new TransferRetryException($"The receipt of transfer {transfer.TransferId} exists but cannot be read yet.");

    /// <summary>
    /// Moves the record out of debited as the receipt says: completed (one guarded replace), or refunded (the refund's
    /// events and the replace in one batch on the sender). A record another instance moved on already is left as it is.
    /// </summary>
    private async Task<TransferRecord> FinishAsync(StoredTransfer stored, TransferReceipt receipt, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var transfer = stored.Transfer;
            if (transfer.State != TransferStates.Debited)
                return transfer;
            var finished = transfer with
            {
                State = receipt.Credited ? TransferStates.Completed : TransferStates.Refunded,
                Reason = receipt.Reason,
                CompletedAt = time.GetUtcNow(),
            };
            if (receipt.Credited ? await transfers.TryReplaceAsync(finished, stored.ETag, cancellationToken) : await RefundAsync(finished, stored.ETag, cancellationToken))
            {
                logger.LogInformation("Transfer {TransferId} {State}", transfer.TransferId, finished.State);
                return finished;
            }
            stored = await transfers.ReadAsync(transfer.From, transfer.TransferId, cancellationToken)
                ?? throw new InvalidOperationException($"The record of transfer {transfer.TransferId} vanished.");
        }
        throw new TransferRetryException($"The record of transfer {stored.Transfer.TransferId} kept changing.");
    }

    private async Task<bool> RefundAsync(TransferRecord refunded, string etag, CancellationToken cancellationToken)
    {
        var outcome = await commands.HandleAsync(new CommandRequest(refunded.From, new RefundTransfer(refunded.TransferId, refunded.To, refunded.Items),
            Actor: Relay, Companion: new StreamCompanion.ReplaceTransfer(refunded, etag)), cancellationToken);
        return outcome switch
        {
            CommandOutcome.Appended => true,
            CommandOutcome.CompanionConflict => false,
            CommandOutcome.TooMuchContention => throw new TransferRetryException($"Refunding transfer {refunded.TransferId} to '{refunded.From}' met too much contention."),
            _ => throw new InvalidOperationException($"Unexpected outcome {outcome.GetType().Name} refunding transfer {refunded.TransferId}."),
        };
    }

    private static bool SameRequest(TransferRecord transfer, TransferRequest request) =>
        transfer.To == request.To && transfer.Items.SequenceEqual(request.Items);

    /// <summary>The refusal as the record and the receipt state it.</summary>
    public static string Describe(Rejection rejection) => rejection switch
    {
        DistinctItemsLimitExceeded r => $"distinct-items-limit-exceeded: the receiver holds {r.Limit} distinct items and '{r.ItemId}' would be one more",
        HoldingLimitExceeded r => $"holding-limit-exceeded: the receiver holds {r.Held} of '{r.ItemId}' and {r.Requested} more would overflow its count",
        InsufficientQuantity r => $"insufficient-quantity: {r.Held} of '{r.ItemId}' held, {r.Requested} asked",
        _ => rejection.GetType().Name,
    };
}
