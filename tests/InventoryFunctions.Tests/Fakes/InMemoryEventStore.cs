using System.Globalization;
using InventoryFunctions.Domain;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>
/// The command side's stream port in memory, with the same semantics as <see cref="CosmosInventoryStream"/>: per inventory a log of
/// immutable events (one per version), a head (folded state + an etag that changes on every write) written in the
/// same "transaction" as the events, and idempotency records written with them. An append checks, in the order
/// the Cosmos batch reports them: the head (etag, or absence for a new head), then the idempotency key, then
/// that every version is free. Anything but <see cref="AppendResult.Appended"/> writes nothing.
/// </summary>
/// <remarks>
/// Unlike the Cosmos store there is no per-instance cache: <see cref="LoadHeadAsync"/> always answers with the
/// stored head, so a conflict can only come from a write that happens between a load and an append: see
/// <see cref="BeforeNextAppend"/> and <see cref="BeforeEveryAppend"/>. For arranging odd stores there are
/// <see cref="Import"/> (events without the head, as another tool or a restore would leave them) and
/// <see cref="RewindHead"/> (a head that trails its log). It is also the transfer store: records and receipts live in
/// the streams of their inventories and are written by the same "transaction" when an append carries them.
/// </remarks>
public sealed class InMemoryEventStore : IInventoryStream, ITransferStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly Queue<Action<InMemoryEventStore>> _beforeNextAppend = new();
    private Action<InMemoryEventStore>? _beforeEveryAppend;
    private long _etags;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public int LoadHeadCalls { get; private set; }
    public int RefreshCalls { get; private set; }
    public int CatchUpCalls { get; private set; }
    public int AppendCalls { get; private set; }
    public int IdempotencyLookups { get; private set; }

    /// <summary>Runs <paramref name="write"/> once, at the start of the next append, before it checks anything: a concurrent writer.</summary>
    public void BeforeNextAppend(Action<InMemoryEventStore> write)
    {
        lock (_lock)
            _beforeNextAppend.Enqueue(write);
    }

    /// <summary>Runs <paramref name="write"/> at the start of every append from now on: a writer that always wins the race.</summary>
    public void BeforeEveryAppend(Action<InMemoryEventStore>? write)
    {
        lock (_lock)
            _beforeEveryAppend = write;
    }

    /// <summary>Appends <paramref name="events"/> with the head, as a command would: the arranging and "other writer" path.</summary>
    /// <exception cref="InvalidOperationException">The append did not go through (the log is ahead of the head).</exception>
    public StreamHead Write(string inventoryId, params InventoryEvent[] events) =>
        WriteKeyed(inventoryId, null, events);

    /// <summary>As <see cref="Write"/>, with the idempotency record a request with <paramref name="key"/> would store.</summary>
    public StreamHead WriteKeyed(string inventoryId, IdempotencyKeyOf? key, params InventoryEvent[] events)
    {
        lock (_lock)
        {
            var stream = StreamOf(inventoryId);
            var state = stream.Head?.State ?? InventoryState.Empty;
            var recorded = Number(state.Version, events);
            var record = key is null ? null : new IdempotencyRecord(key.Key, key.RequestHash, recorded[^1].Version, recorded);
            return Commit(inventoryId, stream, new StreamHead(state, stream.Head?.ETag), recorded, record) is AppendResult.Appended appended
                ? appended.Head
                : throw new InvalidOperationException($"Could not write to '{inventoryId}': the log is ahead of the head or the key is used.");
        }
    }

    /// <summary>Writes events into the log only, numbered after the log's last one, leaving the head as it is (or missing).</summary>
    public void Import(string inventoryId, params InventoryEvent[] events)
    {
        lock (_lock)
        {
            var stream = StreamOf(inventoryId);
            foreach (var e in Number(stream.Log.Count == 0 ? 0 : stream.Log.Keys.Last(), events))
                stream.Log.Add(e.Version, e);
        }
    }

    /// <summary>Writes the log event of a given version only (a gap, when versions before it are missing).</summary>
    public void ImportAt(string inventoryId, RecordedEvent recorded)
    {
        lock (_lock)
            StreamOf(inventoryId).Log.Add(recorded.Version, recorded);
    }

    /// <summary>Sets the head back to the state folded from the first <paramref name="version"/> events (0: no head at all).</summary>
    public void RewindHead(string inventoryId, long version)
    {
        lock (_lock)
        {
            var stream = StreamOf(inventoryId);
            stream.Head = version == 0
                ? null
                : new StreamHead(Inventory.Fold(InventoryState.Empty, stream.Log.Values.Where(e => e.Version <= version)), NewETag());
        }
    }

    /// <summary>The stored head, or null when there is none.</summary>
    public StreamHead? Head(string inventoryId)
    {
        lock (_lock)
            return _streams.TryGetValue(inventoryId, out var stream) ? stream.Head : null;
    }

    /// <summary>The whole log in version order.</summary>
    public IReadOnlyList<RecordedEvent> Log(string inventoryId)
    {
        lock (_lock)
            return _streams.TryGetValue(inventoryId, out var stream) ? [.. stream.Log.Values] : [];
    }

    public IReadOnlyList<IdempotencyRecord> IdempotencyRecords(string inventoryId)
    {
        lock (_lock)
            return _streams.TryGetValue(inventoryId, out var stream) ? [.. stream.Idempotency.Values] : [];
    }

    public ValueTask<StreamHead> LoadHeadAsync(string inventoryId, bool refresh, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            LoadHeadCalls++;
            if (refresh)
                RefreshCalls++;
            return ValueTask.FromResult(_streams.GetValueOrDefault(inventoryId)?.Head ?? StreamHead.New);
        }
    }

    public Task<StreamHead> CatchUpAsync(string inventoryId, StreamHead head, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            CatchUpCalls++;
            var state = head.State;
            IEnumerable<RecordedEvent> log = _streams.TryGetValue(inventoryId, out var stream) ? stream.Log.Values : Enumerable.Empty<RecordedEvent>();
            foreach (var e in log.Where(e => e.Version > head.State.Version))
                state = LogFold.Next(inventoryId, state, e);
            return Task.FromResult(head with { State = state });
        }
    }

    public Task<AppendResult> AppendAsync(string inventoryId, StreamHead head, IReadOnlyList<RecordedEvent> events, IdempotencyRecord? idempotency,
        CancellationToken cancellationToken, StreamCompanion? companion = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(events);
        Action<InMemoryEventStore>? next;
        Action<InMemoryEventStore>? every;
        lock (_lock)
        {
            AppendCalls++;
            next = _beforeNextAppend.TryDequeue(out var queued) ? queued : null;
            every = _beforeEveryAppend;
        }

        // The concurrent writers run outside the lock, as another process would, and may use Write/Import.
        next?.Invoke(this);
        every?.Invoke(this);

        lock (_lock)
            return Task.FromResult(Commit(inventoryId, StreamOf(inventoryId), head, events, idempotency, companion));
    }

    public Task<IdempotencyRecord?> FindIdempotencyRecordAsync(string inventoryId, string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            IdempotencyLookups++;
            return Task.FromResult(_streams.TryGetValue(inventoryId, out var stream) && stream.Idempotency.TryGetValue(key, out var record)
                ? record
                : null);
        }
    }

    // One "transactional batch": every check first, then every write.
    private AppendResult Commit(string inventoryId, Stream stream, StreamHead head, IReadOnlyList<RecordedEvent> events, IdempotencyRecord? idempotency,
        StreamCompanion? companion = null)
    {
        if (events.Count == 0)
            throw new ArgumentException("An append holds at least one event.", nameof(events));
        // Fold checks that the events follow the head's version: a caller numbering them wrongly is a bug, not a conflict.
        var newState = Inventory.Fold(head.State, events);

        var headMatches = head.ETag is null ? stream.Head is null : stream.Head?.ETag == head.ETag;
        if (!headMatches)
            return new AppendResult.HeadChanged();
        if (idempotency is not null && stream.Idempotency.ContainsKey(idempotency.Key))
            return new AppendResult.IdempotencyKeyUsed();
        var companionFits = companion switch
        {
            StreamCompanion.CreateTransfer create => !stream.Transfers.ContainsKey(create.Transfer.TransferId),
            StreamCompanion.ReplaceTransfer replace => stream.Transfers.TryGetValue(replace.Transfer.TransferId, out var current) && current.ETag == replace.ETag,
            StreamCompanion.CreateReceipt receipt => !stream.Receipts.ContainsKey(receipt.Receipt.TransferId),
            _ => true,
        };
        if (!companionFits)
            return new AppendResult.CompanionConflict();
        if (events.Any(e => stream.Log.ContainsKey(e.Version)))
            return new AppendResult.LogAhead();

        switch (companion)
        {
            case StreamCompanion.CreateTransfer create:
                stream.Transfers[create.Transfer.TransferId] = new StoredTransfer(create.Transfer, NewETag());
                break;
            case StreamCompanion.ReplaceTransfer replace:
                stream.Transfers[replace.Transfer.TransferId] = new StoredTransfer(replace.Transfer, NewETag());
                break;
            case StreamCompanion.CreateReceipt receipt:
                stream.Receipts[receipt.Receipt.TransferId] = receipt.Receipt;
                break;
        }

        foreach (var e in events)
            stream.Log.Add(e.Version, e);
        if (idempotency is not null)
            stream.Idempotency.Add(idempotency.Key, idempotency);
        stream.Head = new StreamHead(newState, NewETag());
        return new AppendResult.Appended(stream.Head);
    }

    public Task<StoredTransfer?> ReadAsync(string from, string transferId, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult(_streams.TryGetValue(from, out var stream) ? stream.Transfers.GetValueOrDefault(transferId) : null);
    }

    public Task<bool> TryReplaceAsync(TransferRecord transfer, string etag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var stream = StreamOf(transfer.From);
            if (!stream.Transfers.TryGetValue(transfer.TransferId, out var current) || current.ETag != etag)
                return Task.FromResult(false);
            stream.Transfers[transfer.TransferId] = new StoredTransfer(transfer, NewETag());
            return Task.FromResult(true);
        }
    }

    public Task<TransferReceipt?> ReadReceiptAsync(string to, string transferId, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult(_streams.TryGetValue(to, out var stream) ? stream.Receipts.GetValueOrDefault(transferId) : null);
    }

    public Task<bool> TryCreateReceiptAsync(string to, TransferReceipt receipt, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult(StreamOf(to).Receipts.TryAdd(receipt.TransferId, receipt));
    }

    public Task<IReadOnlyList<StoredTransfer>> DebitedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<StoredTransfer>>([.. _streams.Values.SelectMany(s => s.Transfers.Values)
                .Where(t => t.Transfer.State == TransferStates.Debited && t.Transfer.CreatedAt < cutoff).Take(max)]);
        }
    }

    private RecordedEvent[] Number(long after, InventoryEvent[] events)
    {
        var now = Time.GetUtcNow();
        return [.. events.Select((e, i) => new RecordedEvent(after + i + 1, now, e))];
    }

    private Stream StreamOf(string inventoryId)
    {
        if (!_streams.TryGetValue(inventoryId, out var stream))
            _streams[inventoryId] = stream = new Stream();
        return stream;
    }

    private string NewETag() => "\"etag-" + (++_etags).ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>An idempotency key and the hash of the request that used it.</summary>
    public sealed record IdempotencyKeyOf(string Key, string RequestHash);

    private sealed class Stream
    {
        public SortedDictionary<long, RecordedEvent> Log { get; } = [];
        public StreamHead? Head { get; set; }
        public Dictionary<string, IdempotencyRecord> Idempotency { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, StoredTransfer> Transfers { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, TransferReceipt> Receipts { get; } = new(StringComparer.Ordinal);
    }
}
