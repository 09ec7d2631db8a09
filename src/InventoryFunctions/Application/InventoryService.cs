using InventoryFunctions.Domain;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Application;

/// <summary>A command as the HTTP edge hands it over, already validated.</summary>
/// <param name="ExpectedVersion">From <c>If-Match</c>: the version the client believes current (0 = must not exist yet).</param>
/// <param name="IdempotencyKey">From <c>Idempotency-Key</c>: a retry with the same key and the same request gets the first answer.</param>
/// <param name="Actor">Who sends the command (from the bearer token): stored on every event it appends.</param>
/// <param name="Companion">A document to write in the same transaction as the events (a transfer's record or receipt).</param>
public sealed record CommandRequest(string InventoryId, InventoryCommand Command, long? ExpectedVersion = null, string? IdempotencyKey = null, Actor? Actor = null,
    StreamCompanion? Companion = null)
{
    /// <summary>
    /// The idempotency key as recorded: scoped to the principal that sent it (the key, a line break, the actor's id; keys
    /// are printable ASCII, so the split is unambiguous), so that the same key from another principal is another request.
    /// </summary>
    public string? ScopedIdempotencyKey => IdempotencyKey is null || Actor is null ? IdempotencyKey : IdempotencyKey + "\n" + Actor.Id;
}

/// <summary>What became of a command. A closed family the HTTP edge maps to status codes.</summary>
public abstract record CommandOutcome
{
    private CommandOutcome()
    {
    }

    /// <param name="Replayed">True when this is the answer to an earlier request with the same idempotency key.</param>
    public sealed record Appended(long Version, IReadOnlyList<RecordedEvent> Events, bool Replayed = false) : CommandOutcome;

    public sealed record Rejected(Rejection Reason) : CommandOutcome;

    /// <summary>The client named an expected version and the inventory is at another one.</summary>
    public sealed record VersionMismatch(long Expected, long Current) : CommandOutcome;

    /// <summary>The idempotency key was used before for a different request.</summary>
    public sealed record IdempotencyKeyReused : CommandOutcome;

    /// <summary>Other writers kept winning the race for this inventory; nothing was written.</summary>
    public sealed record TooMuchContention(int Attempts) : CommandOutcome;

    /// <summary>The request's companion document could not be written (it exists, or changed); nothing was written.</summary>
    public sealed record CompanionConflict : CommandOutcome;
}

/// <summary>
/// Runs a command: load the head, decide, append atomically; on a write conflict reload and decide again,
/// a bounded number of times. Only a client that named an expected version gets a conflict back.
/// Commands for one inventory take turns in this instance (<see cref="InventoryCommandQueue"/>), so only writers on
/// other instances can win a race against them.
/// </summary>
public sealed class InventoryService(IInventoryStream store, TimeProvider time, ILogger<InventoryService> logger)
{
    public const int MaxAttempts = 10;

    private readonly InventoryCommandQueue _queue = new();

    /// <exception cref="ArgumentException">The command breaks <see cref="InventoryRules"/>: the edge lets none such through.</exception>
    public Task<CommandOutcome> HandleAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InventoryRules.Validate(request.Command) is { } invalid)
            throw new ArgumentException(invalid, nameof(request));
        return _queue.RunAsync(request.InventoryId, () => DecideAndAppendAsync(request, cancellationToken), cancellationToken);
    }

    private async Task<CommandOutcome> DecideAndAppendAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        var inventoryId = request.InventoryId;
        var head = await store.LoadHeadAsync(inventoryId, refresh: false, cancellationToken);
        var caughtUp = false;

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (request.ExpectedVersion is { } expected && expected != head.State.Version)
            {
                // The head may trail a log that was written without it: check the log before saying no.
                if (expected > head.State.Version && !caughtUp)
                {
                    head = await store.CatchUpAsync(inventoryId, head, cancellationToken);
                    caughtUp = true;
                }
                if (expected != head.State.Version)
                    return await ReplayOrAsync(request, new CommandOutcome.VersionMismatch(expected, head.State.Version), cancellationToken);
            }

            var decision = Inventory.Decide(head.State, request.Command, time.GetUtcNow());
            if (decision is Decision.Rejected rejected)
            {
                // A refusal writes nothing, so no conflict would reveal a head that trails the log (a cached head another
                // instance has moved past, events imported without the head): check the log before saying no.
                if (!caughtUp)
                {
                    var latest = await store.CatchUpAsync(inventoryId, head, cancellationToken);
                    caughtUp = true;
                    if (latest.State.Version != head.State.Version)
                    {
                        head = latest;
                        continue;
                    }
                }
                return await ReplayOrAsync(request, new CommandOutcome.Rejected(rejected.Reason), cancellationToken);
            }

            IReadOnlyList<RecordedEvent> events = request.Actor is { } actor
                ? [.. ((Decision.Accepted)decision).Events.Select(e => e with { Actor = actor })]
                : ((Decision.Accepted)decision).Events;
            var record = request.ScopedIdempotencyKey is { } key
                ? new IdempotencyRecord(key, IdempotencyRecord.Fingerprint(request), events[^1].Version, events)
                : null;

            switch (await store.AppendAsync(inventoryId, head, events, record, cancellationToken, request.Companion))
            {
                case AppendResult.CompanionConflict:
                    return new CommandOutcome.CompanionConflict();
                case AppendResult.Appended appended:
                    logger.LogInformation("Appended {Count} events to {InventoryId} at version {Version}", events.Count, inventoryId, appended.Head.State.Version);
                    return new CommandOutcome.Appended(appended.Head.State.Version, events);
                case AppendResult.IdempotencyKeyUsed:
                    return await ReplayOrAsync(request, null, cancellationToken)
                        ?? throw new InvalidOperationException($"Idempotency record for inventory '{inventoryId}' vanished after a conflict.");
                case AppendResult.LogAhead:
                    logger.LogWarning("Head of {InventoryId} trails its log at version {Version}; catching up from the log", inventoryId, head.State.Version);
                    head = await store.CatchUpAsync(inventoryId, head, cancellationToken);
                    caughtUp = true;
                    break;
                case AppendResult.HeadChanged:
                    logger.LogDebug("Write conflict on {InventoryId} (attempt {Attempt}); reloading", inventoryId, attempt);
                    // Full jitter over a doubling window (5, 10, 20 … ≤ 200 ms) spreads writers racing for one inventory.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(200, 5 << (attempt - 1)))), time, cancellationToken);
                    head = await store.LoadHeadAsync(inventoryId, refresh: true, cancellationToken);
                    caughtUp = false;
                    break;
            }
        }

        logger.LogWarning("Gave up on {InventoryId} after {Attempts} conflicting attempts", inventoryId, MaxAttempts);
        return new CommandOutcome.TooMuchContention(MaxAttempts);
    }

    /// <summary>
    /// A request with an idempotency key that cannot go ahead may be a retry of one that already did:
    /// answer as the first time (or say the key was used for another request); otherwise <paramref name="outcome"/>.
    /// </summary>
    private async Task<CommandOutcome> ReplayOrAsync(CommandRequest request, CommandOutcome? outcome, CancellationToken cancellationToken)
    {
        if (request.ScopedIdempotencyKey is not { } key)
            return outcome!;
        var record = await store.FindIdempotencyRecordAsync(request.InventoryId, key, cancellationToken);
        if (record is null)
            return outcome!;
        if (record.RequestHash != IdempotencyRecord.Fingerprint(request))
            return new CommandOutcome.IdempotencyKeyReused();
        return new CommandOutcome.Appended(record.Version, record.Events, Replayed: true);
    }
}
