using System.Text;
using System.Text.Json;
using FsCheck.Xunit;
using InventoryFunctions.Domain;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;

namespace InventoryFunctions.Tests.Cosmos.Documents;

/// <summary>
/// The snapshot document: the state right after an event, stored beside the events in the inventory's partition. It
/// must read back as the state it was made from, never be taken for an event, and read as "no snapshot" whenever it
/// cannot be trusted (time travel then falls back to the log).
/// </summary>
public class SnapshotDocumentTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, 123, TimeSpan.Zero);

    private static InventoryState StateAfter(params InventoryEvent[] events) => Inventory.Fold(InventoryState.Empty, events);

    private static InventoryState? TryDecode(string json)
    {
        using var document = JsonDocument.Parse(json);
        return SnapshotDocument.TryDecode(document.RootElement);
    }

    [Fact]
    public void Encode_writes_the_id_the_kind_the_state_and_the_instant_of_its_event()
    {
        var state = StateAfter(new ItemAdded("sword", 2), new ItemAdded("shield", 1), new ItemRemoved("sword", 1));

        var json = Encoding.UTF8.GetString(SnapshotDocument.Encode("inv-1", state, At));

        Assert.Equal(
            """{"id":"snapshot-3","inventoryId":"inv-1","kind":"snapshot","state":{"version":3,"items":{"shield":1,"sword":1}},"occurredAt":"2026-05-01T12:00:00.1230000Z"}""",
            json);
    }

    [Theory]
    [InlineData(10, "snapshot-10")]
    [InlineData(1_000, "snapshot-1000")]
    [InlineData(9_223_372_036_854_775_807, "snapshot-9223372036854775807")]
    public void The_id_names_the_version_in_invariant_decimal(long version, string id) =>
        Assert.Equal(id, SnapshotDocument.IdFor(version));

    [Property]
    public bool A_snapshot_reads_back_as_the_state_it_was_made_from(int seed)
    {
        var random = new Random(seed);
        string[] items = ["sword", "shield", "potion", "a.b:c-d e"];
        var state = InventoryState.Empty;
        for (var i = random.Next(1, 40); i > 0; i--)
        {
            var item = items[random.Next(items.Length)];
            state = Inventory.Evolve(state, state.QuantityOf(item) > 0 && random.Next(3) == 0
                ? new ItemRemoved(item, random.Next(1, state.QuantityOf(item) + 1))
                : new ItemAdded(item, random.Next(1, 1_000_000)));
        }

        using var document = JsonDocument.Parse(SnapshotDocument.Encode("inv-1", state, At));
        return state.Equals(SnapshotDocument.TryDecode(document.RootElement));
    }

    [Fact]
    public void A_snapshot_is_not_an_event_so_event_queries_and_the_projector_pass_it_by()
    {
        var json = SnapshotDocument.Encode("inv-1", StateAfter(new ItemAdded("sword", 1)), At);

        var result = EventCodec.TryDecode(json);

        Assert.Equal(new DecodeResult.NotAnEvent("snapshot-1"), result);
    }

    [Theory]
    [InlineData("""{"id":"head","kind":"head","state":{"version":3,"items":{"sword":1}}}""")] // a head is not a snapshot
    [InlineData("""{"id":"snapshot-3","state":{"version":3,"items":{"sword":1}}}""")] // no kind
    [InlineData("""{"id":"snapshot-3","kind":"snapshot"}""")] // no state
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":"garbage"}""")]
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"items":{"sword":1}}}""")] // no version
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"version":3}}""")] // no items
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"version":3,"items":[1,2]}}""")]
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"version":3,"items":{"sword":"one"}}}""")]
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"version":3,"items":{"sword":-1}}}""")] // an impossible count
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"version":3,"items":{"sword":0}}}""")]
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"version":-3,"items":{}}}""")]
    [InlineData("""{"id":"snapshot-3","kind":"snapshot","state":{"version":3.5,"items":{}}}""")]
    [InlineData("""{"id":"snapshot-3","kind":7,"state":{"version":3,"items":{}}}""")]
    [InlineData("""[1,2,3]""")]
    public void A_document_that_cannot_be_trusted_as_a_snapshot_reads_as_none(string json) =>
        Assert.Null(TryDecode(json));

    [Fact]
    public void Snapshot_instants_sort_as_text_in_time_order_so_a_query_can_compare_them()
    {
        // The asOf query compares occurredAt as strings: that only works for a fixed-width UTC form.
        DateTimeOffset[] instants =
        [
            new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1),
            new(2026, 5, 1, 13, 59, 0, TimeSpan.FromHours(2)), // 11:59 UTC: earlier than both above
            new(2026, 5, 1, 12, 0, 0, 100, TimeSpan.Zero),
            new(2026, 12, 31, 23, 59, 59, 999, TimeSpan.Zero),
        ];

        var texts = instants.Select(i => TextOf(SnapshotDocument.Encode("inv-1", InventoryState.Empty, i))).ToList();

        Assert.Equal(instants.OrderBy(i => i).Select(EventCodec.FormatOccurredAt), texts.Order(StringComparer.Ordinal));
        Assert.All(texts, t => Assert.Equal(EventDocument.OccurredAtFormat.Length - 4, t.Length)); // the quotes in the format are not written

        static string TextOf(byte[] snapshot)
        {
            using var document = JsonDocument.Parse(snapshot);
            return document.RootElement.GetProperty("occurredAt").GetString()!;
        }
    }
}
