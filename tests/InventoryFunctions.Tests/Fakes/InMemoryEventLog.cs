using System.Text.Json;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;

namespace InventoryFunctions.Tests.Fakes;

/// <summary>
/// The events container as the projector sees it: per inventory, documents by version, exactly as stored (valid,
/// legacy or undecodable), read back like <see cref="CosmosEventLog.ReadRangeAsync"/> does (documents without a
/// numeric version, such as heads, are left out). Appending returns the document the change feed would deliver.
/// </summary>
public sealed class InMemoryEventLog : IEventLogReader
{
    /// <summary>Event n of a stream occurred n seconds after this.</summary>
    public static readonly DateTimeOffset Start = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<long, string>> _logs = new(StringComparer.Ordinal);
    private readonly List<(string InventoryId, long From, long To)> _rangeReads = [];
    private readonly Dictionary<string, long> _firstFree = new(StringComparer.Ordinal);

    /// <summary>Every range read so far, in order.</summary>
    public IReadOnlyList<(string InventoryId, long From, long To)> RangeReads { get { lock (_lock) return [.. _rangeReads]; } }

    /// <summary>The events of <paramref name="inventoryId"/> as recorded so far (for reference models).</summary>
    public IReadOnlyList<RecordedEvent> Events(string inventoryId)
    {
        lock (_lock)
        {
            return _logs.TryGetValue(inventoryId, out var log)
                ? [.. log.Values.Select(Decode).OfType<DecodeResult.Decoded>().Select(d => d.Event)]
                : [];
        }
    }

    /// <summary>Appends the next version of <paramref name="inventoryId"/>'s stream; returns its document.</summary>
    public JsonElement AppendOne(string inventoryId, InventoryEvent e)
    {
        var version = NextVersion(inventoryId);
        var recorded = new RecordedEvent(version, Start.AddSeconds(version), e);
        return Store(inventoryId, version, System.Text.Encoding.UTF8.GetString(EventCodec.Encode(inventoryId, recorded)));
    }

    /// <summary>Appends <paramref name="events"/> in order; returns their documents.</summary>
    public List<JsonElement> Append(string inventoryId, params InventoryEvent[] events) =>
        [.. events.Select(e => AppendOne(inventoryId, e))];

    /// <summary>Stores a hand-written document at the next version (legacy, or undecodable); returns it.</summary>
    public JsonElement AppendRaw(string inventoryId, Func<long, string> document)
    {
        var version = NextVersion(inventoryId);
        return Store(inventoryId, version, document(version));
    }

    /// <summary>Stores a hand-written document under <paramref name="version"/>, wherever that is in the stream; returns it.</summary>
    public JsonElement Insert(string inventoryId, long version, string json) => Store(inventoryId, version, json);

    /// <summary>Replaces the document at <paramref name="version"/> in place (a repair by hand); returns it.</summary>
    public JsonElement Replace(string inventoryId, long version, string json)
    {
        lock (_lock)
            _logs[inventoryId][version] = json;
        return Document(json);
    }

    /// <summary>The first version not taken yet (documents inserted further on do not move it).</summary>
    public long NextVersion(string inventoryId)
    {
        lock (_lock)
        {
            // Versions are only ever added, so the first free one only moves forward: start from the last found.
            var next = _firstFree.GetValueOrDefault(inventoryId, 1L);
            while (_logs.TryGetValue(inventoryId, out var log) && log.ContainsKey(next))
                next++;
            return _firstFree[inventoryId] = next;
        }
    }

    public Task<IReadOnlyList<LoggedDocument>> ReadRangeAsync(string inventoryId, long fromVersion, long toVersion, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _rangeReads.Add((inventoryId, fromVersion, toVersion));
            IReadOnlyList<LoggedDocument> documents = _logs.TryGetValue(inventoryId, out var log)
                ? [.. log.Where(d => d.Key >= fromVersion && d.Key <= toVersion)
                    .Select(d => (d.Key, Result: Decode(d.Value)))
                    .Where(d => d.Result is not DecodeResult.NotAnEvent)
                    .Select(d => new LoggedDocument(d.Key, d.Result))]
                : [];
            return Task.FromResult(documents);
        }
    }

    public Task<EventPage> ReadEventsAsync(string inventoryId, long fromVersion, int maxCount, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var page = Events(inventoryId).Where(e => e.Version >= fromVersion).Take(maxCount + 1).ToList();
        return Task.FromResult(page.Count <= maxCount ? new EventPage(page, null) : new EventPage(page[..maxCount], page[maxCount].Version));
    }

    public Task<HistoricState> AtVersionAsync(string inventoryId, long version, CancellationToken cancellationToken)
    {
        var events = Events(inventoryId);
        return Task.FromResult<HistoricState>(events.Count == 0 ? new HistoricState.NoSuchInventory()
            : version > events.Count ? new HistoricState.BeyondCurrent(events.Count)
            : new HistoricState.Found(Inventory.Fold(InventoryState.Empty, events.Take((int)version))));
    }

    public Task<HistoricState> AsOfAsync(string inventoryId, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var events = Events(inventoryId);
        return Task.FromResult<HistoricState>(events.Count == 0 ? new HistoricState.NoSuchInventory()
            : new HistoricState.Found(Inventory.Fold(InventoryState.Empty, events.TakeWhile(e => e.OccurredAt <= instant))));
    }

    /// <summary>The continuation is the offset of the next id in id order.</summary>
    public Task<InventoryIdPage> ListInventoryIdsPageAsync(string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        List<string> ids;
        lock (_lock)
            ids = [.. _logs.Where(l => l.Value.ContainsKey(1)).Select(l => l.Key).Order(StringComparer.Ordinal)];
        var from = continuation is null ? 0 : int.Parse(continuation, System.Globalization.CultureInfo.InvariantCulture);
        var page = ids.Skip(from).Take(pageSize).ToList();
        var next = from + page.Count;
        return Task.FromResult(new InventoryIdPage(page, next < ids.Count ? next.ToString(System.Globalization.CultureInfo.InvariantCulture) : null));
    }

    /// <summary>Parses JSON text as a change feed document (detached from its <see cref="JsonDocument"/>).</summary>
    public static JsonElement Document(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private JsonElement Store(string inventoryId, long version, string json)
    {
        lock (_lock)
        {
            if (!_logs.TryGetValue(inventoryId, out var log))
                _logs[inventoryId] = log = [];
            log.Add(version, json);
        }
        return Document(json);
    }

    private static DecodeResult Decode(string json) => EventCodec.TryDecode(System.Text.Encoding.UTF8.GetBytes(json));
}
