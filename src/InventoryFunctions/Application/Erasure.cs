using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>
/// Whether an inventory id was erased (its erasure accepted and its receipt still kept). Asked only where something of
/// an inventory would be created from nothing (a command finding no head, a view or watermark with no root stored),
/// so that nothing of an erased inventory comes back, at no cost to any other request.
/// </summary>
public interface IErasureRegistry
{
    Task<bool> IsErasedAsync(string inventoryId, CancellationToken cancellationToken);
}

/// <summary>The states an erasure job goes through; stored by name (a storage contract).</summary>
public static class ErasureStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
}

/// <summary>
/// The steps of an erasure, in order; the job document records the next one, so a crash resumes there. Each step can
/// run any number of times: running it again after a crash changes nothing that it changed before.
/// </summary>
public enum ErasureStep
{
    /// <summary>The head marked as erasing: every command from then on answers <c>inventory-erased</c>.</summary>
    MarkHead,

    /// <summary>Transfers out of the inventory still debited are driven to their end (the receiver is credited).</summary>
    SettleTransfers,

    /// <summary>The inventory's count taken off the global board, with its watermark, in one batch per shard.</summary>
    Board,

    /// <summary>Every document of the inventory's partition of <c>events</c> deleted.</summary>
    DeleteEvents,

    /// <summary>Every document of the inventory's partition of <c>projections</c> deleted.</summary>
    DeleteViews,

    /// <summary>Other inventories' transfer legs, receipts and records name a pseudonym instead of the id; poison messages naming it deleted.</summary>
    Pseudonymise,

    /// <summary>Both partitions read empty again (a writer that raced the mark is deleted too); then the receipt forgets the id.</summary>
    Verify,

    Done,
}

/// <summary>What an erasure spent so far: documents deleted, Cosmos DB requests, request units (as the store reported them).</summary>
public sealed record ErasureCounts(long DocumentsDeleted, long Requests, double RequestCharge)
{
    public static ErasureCounts None { get; } = new(0, 0, 0);

    public ErasureCounts Add(ErasureCounts other) => new(DocumentsDeleted + other.DocumentsDeleted, Requests + other.Requests, RequestCharge + other.RequestCharge);
}

/// <summary>
/// An erasure job: its receipt. <see cref="InventoryId"/> is kept only while the job runs (the worker needs it to find
/// the partitions) and forgotten when it completes; the job id is a keyed hash of the id, so the receipt proves that
/// this id was erased, when and by whom, to whoever holds the key, and names nobody to anyone else.
/// </summary>
/// <param name="Path">How the partitions are deleted: <c>delete-by-partition-key</c> or <c>batched</c>.</param>
/// <param name="ExpiresAt">When the receipt is deleted (Cosmos DB's per-item TTL); null while running.</param>
public sealed record ErasureJob(string JobId, string? InventoryId, string State, ErasureStep Step, Actor RequestedBy, string Path,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, ErasureCounts Counts, DateTimeOffset? ExpiresAt)
{
    public const string PartitionKeyPath = "delete-by-partition-key";
    public const string BatchedPath = "batched";

    /// <summary>A job id: 32 lowercase hexadecimal digits (the first 128 bits of the keyed hash).</summary>
    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public static ErasureJob Accepted(string jobId, string inventoryId, Actor requestedBy, string path, DateTimeOffset now) =>
        new(jobId, inventoryId, ErasureStates.Queued, ErasureStep.MarkHead, requestedBy, path, now, null, now, null, ErasureCounts.None, null);

    /// <summary>
    /// The job once <see cref="Step"/> has run and spent <paramref name="spent"/>: on at the next step, or completed
    /// after the last, the id forgotten and the receipt kept for <paramref name="keepReceipt"/>.
    /// </summary>
    public ErasureJob After(ErasureStep done, ErasureCounts spent, DateTimeOffset now, TimeSpan keepReceipt)
    {
        if (done != Step || State == ErasureStates.Completed)
            throw new InvalidOperationException($"Erasure job {JobId} is at {Step} ({State}), not at {done}.");
        var next = done + 1;
        var counts = Counts.Add(spent);
        return next == ErasureStep.Done
            ? this with { InventoryId = null, State = ErasureStates.Completed, Step = next, UpdatedAt = now, CompletedAt = now, Counts = counts, ExpiresAt = now + keepReceipt, StartedAt = StartedAt ?? now }
            : this with { State = ErasureStates.Running, Step = next, UpdatedAt = now, Counts = counts, StartedAt = StartedAt ?? now };
    }

    /// <summary>The job with more spent within its current step (a long step records progress as it goes).</summary>
    public ErasureJob Spent(ErasureCounts spent, DateTimeOffset now) =>
        this with { State = ErasureStates.Running, Counts = Counts.Add(spent), UpdatedAt = now, StartedAt = StartedAt ?? now };
}
