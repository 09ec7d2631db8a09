using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;

namespace InventoryFunctions.Benchmarks.Micro;

/// <summary>Shared inputs: a 1,000-event history over 20 items, as the load phases build them.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static RecordedEvent[] History(int length) =>
    [
        .. Enumerable.Range(0, length).Select(k => new RecordedEvent(k + 1, Now.AddSeconds(k), k % 5 == 4
            ? new ItemRemoved(Item(k - 1), 1)
            : new ItemAdded(Item(k), 1 + (k % 3)))),
    ];

    public static string Item(int k) => "item-" + (k % 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

[MemoryDiagnoser]
public class DomainBenchmarks
{
    private readonly ItemAdded _added = new("item-7", 1);
    private readonly ItemRemoved _removed = new("item-7", 1);
    private readonly AddItem _add = new("item-7", 1);
    private InventoryState _state = InventoryState.Empty;
    private AppendEvents _append50 = null!;
    private RecordedEvent[] _history = [];

    [GlobalSetup]
    public void Setup()
    {
        _history = Samples.History(1_000);
        _state = Inventory.Fold(InventoryState.Empty, _history);
        _append50 = new AppendEvents([.. Samples.History(50).Select(e => e.Event)]);
    }

    [Benchmark(Description = "Evolve: ItemAdded (20 items held)")]
    public InventoryState EvolveAdded() => Inventory.Evolve(_state, _added);

    [Benchmark(Description = "Evolve: ItemRemoved (20 items held)")]
    public InventoryState EvolveRemoved() => Inventory.Evolve(_state, _removed);

    [Benchmark(Description = "Decide: AddItem")]
    public Decision DecideAddItem() => Inventory.Decide(_state, _add, Samples.Now);

    [Benchmark(Description = "Decide: AppendEvents of 50")]
    public Decision DecideAppend50() => Inventory.Decide(_state, _append50, Samples.Now);

    [Benchmark(Description = "Fold: 1,000 recorded events (the naive replay's CPU part)")]
    public InventoryState Fold1000() => Inventory.Fold(InventoryState.Empty, _history);
}

[MemoryDiagnoser]
public class EventCodecBenchmarks
{
    // As read from Cosmos DB: with the system properties the codec ignores.
    private const string SystemProperties = "\"_rid\":\"AAAAAAAAAAABAAAAAAAAAA==\",\"_self\":\"dbs/x/colls/y/docs/z/\",\"_etag\":\"\\\"00000000-0000-0000-0000-000000000000\\\"\",\"_attachments\":\"attachments/\",\"_ts\":1777636800";

    private readonly RecordedEvent _recorded = new(1234, Samples.Now, new ItemAdded("sword", 2));
    private byte[] _current = [];
    private byte[] _legacy = [];
    private JsonElement _currentElement;

    [GlobalSetup]
    public void Setup()
    {
        var encoded = Encoding.UTF8.GetString(EventCodec.Encode("inv-1", _recorded));
        _current = Encoding.UTF8.GetBytes(encoded[..^1] + "," + SystemProperties + "}");
        _legacy = Encoding.UTF8.GetBytes(
            "{\"id\":\"3\",\"inventoryId\":\"inv-1\",\"version\":3,\"type\":\"ITEM_ADDED\",\"data\":\"sword\",\"timestamp\":\"2026-05-01T12:00:00.123456\"," + SystemProperties + "}");
        using var document = JsonDocument.Parse(_current);
        _currentElement = document.RootElement.Clone();
        if (EventCodec.TryDecode(_current) is not DecodeResult.Decoded || EventCodec.TryDecode(_legacy) is not DecodeResult.Decoded { SchemaVersion: EventDocument.LegacySchemaVersion })
            throw new InvalidOperationException("The sample documents do not decode.");
    }

    [Benchmark(Description = "Encode (current shape)")]
    public byte[] Encode() => EventCodec.Encode("inv-1", _recorded);

    [Benchmark(Description = "TryDecode: current shape, UTF-8 bytes")]
    public DecodeResult TryDecodeCurrent() => EventCodec.TryDecode(_current);

    [Benchmark(Description = "TryDecode: current shape, JsonElement (change feed)")]
    public DecodeResult TryDecodeCurrentElement() => EventCodec.TryDecode(_currentElement);

    [Benchmark(Description = "TryDecode: legacy ITEM_ADDED, upcast")]
    public DecodeResult TryDecodeLegacy() => EventCodec.TryDecode(_legacy);
}

[MemoryDiagnoser]
public class ProjectionBenchmarks
{
    private InventoryView _view = InventoryView.Empty("inv-1");
    private RecordedEvent _nextAdded = null!;
    private RecordedEvent _nextRemoved = null!;
    private RecordedEvent _redelivered = null!;

    [GlobalSetup]
    public void Setup()
    {
        var history = Samples.History(1_000);
        _view = history.Aggregate(InventoryView.Empty("inv-1"), (view, e) => view.Apply(e));
        _nextAdded = new RecordedEvent(1_001, Samples.Now.AddHours(1), new ItemAdded("item-3", 1));
        _nextRemoved = new RecordedEvent(1_001, Samples.Now.AddHours(1), new ItemRemoved("item-3", 1));
        _redelivered = history[^1];
    }

    [Benchmark(Description = "InventoryView.Apply: ItemAdded (20 items)")]
    public InventoryView ApplyAdded() => _view.Apply(_nextAdded);

    [Benchmark(Description = "InventoryView.Apply: ItemRemoved (20 items)")]
    public InventoryView ApplyRemoved() => _view.Apply(_nextRemoved);

    [Benchmark(Description = "InventoryView.Apply: redelivered event (no-op)")]
    public InventoryView ApplyRedelivered() => _view.Apply(_redelivered);
}
