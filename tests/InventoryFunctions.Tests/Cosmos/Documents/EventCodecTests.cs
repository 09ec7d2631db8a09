using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InventoryFunctions.Domain;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;

namespace InventoryFunctions.Tests.Cosmos.Documents;

public class EventCodecTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, 123, TimeSpan.Zero);

    private static string EncodeToString(string inventoryId, RecordedEvent recorded) =>
        Encoding.UTF8.GetString(EventCodec.Encode(inventoryId, recorded));

    private static DecodeResult Decode(string json)
    {
        using var document = JsonDocument.Parse(json);
        return EventCodec.TryDecode(document.RootElement);
    }

    private static DecodeResult.Decoded Decoded(string json) => Assert.IsType<DecodeResult.Decoded>(Decode(json));

    // ---- Encoding: the current shape, field by field -------------------------------------------------------

    [Fact]
    public void Encode_writes_the_current_shape_exactly()
    {
        var json = EncodeToString("inv-1", new RecordedEvent(3, At, new ItemAdded("sword", 2)));

        Assert.Equal(
            """{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00.1230000Z"}""",
            json);
    }

    [Fact]
    public void Encode_names_a_removal_ItemRemoved()
    {
        var json = EncodeToString("inv-1", new RecordedEvent(12, At, new ItemRemoved("shield", 1)));

        Assert.Equal(
            """{"id":"12","inventoryId":"inv-1","version":12,"type":"ItemRemoved","schemaVersion":2,"itemId":"shield","quantity":1,"occurredAt":"2026-05-01T12:00:00.1230000Z"}""",
            json);
    }

    [Fact]
    public void Encode_writes_occurredAt_in_utc_with_a_Z_to_the_tick()
    {
        var local = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)).AddTicks(1234567);

        using var document = JsonDocument.Parse(EventCodec.Encode("inv-1", new RecordedEvent(1, local, new ItemAdded("sword", 1))));

        Assert.Equal("2026-01-02T08:04:05.1234567Z", document.RootElement.GetProperty("occurredAt").GetString());
        Assert.Equal("2026-01-02T08:04:05.1234567Z", EventCodec.FormatOccurredAt(local));
    }

    [Fact]
    public void The_document_id_is_the_version_in_decimal()
    {
        Assert.Equal("1", EventCodec.DocumentId(1));
        Assert.Equal("9007199254740993", EventCodec.DocumentId(9007199254740993));
    }

    [Fact]
    public void Encode_refuses_what_could_not_be_decoded_again()
    {
        var ok = new RecordedEvent(1, At, new ItemAdded("sword", 1));

        Assert.ThrowsAny<ArgumentException>(() => EventCodec.Encode("", ok));
        Assert.ThrowsAny<ArgumentException>(() => EventCodec.Encode("inv-1", ok with { Event = new ItemAdded("", 1) }));
        Assert.ThrowsAny<ArgumentException>(() => EventCodec.Encode("inv-1", ok with { Event = new ItemRemoved("sword", 0) }));
        Assert.Equal(EncodeToString("inv-1", ok), EncodeToString("inv-1", ok)); // a failed encode leaves nothing behind
    }

    [Fact]
    public void Encode_gives_the_same_bytes_on_every_thread()
    {
        var recorded = new RecordedEvent(7, At, new ItemRemoved("épée de feu", 3));
        var expected = EventCodec.Encode("inv-1", recorded);

        var results = new byte[64][];
        Parallel.For(0, results.Length, i => results[i] = EventCodec.Encode("inv-1", recorded));

        Assert.All(results, bytes => Assert.Equal(expected, bytes));
    }

    // ---- Round trip ----------------------------------------------------------------------------------------

    [Fact]
    public void A_transfer_leg_adds_its_transfer_id_and_counterparty_and_each_leg_decodes_to_itself()
    {
        const string id = "0123456789abcdef0123456789abcdef";
        var legs = new InventoryEvent[] { new ItemTransferredOut("sword", 2, id, "bob"), new ItemTransferredIn("sword", 2, id, "alice"), new ItemRefunded("sword", 2, id, "bob") };

        var json = EncodeToString("inv-1", new RecordedEvent(3, At, legs[0]));
        var decoded = legs.Select(e => Assert.IsType<DecodeResult.Decoded>(EventCodec.TryDecode(EventCodec.Encode("inv-1", new RecordedEvent(3, At, e)))).Event.Event);

        Assert.Equal(
            """{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemTransferredOut","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00.1230000Z","transferId":"0123456789abcdef0123456789abcdef","counterparty":"bob"}""",
            json);
        Assert.Equal(legs, decoded);
    }

    [Theory]
    [InlineData("""{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemTransferredIn","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00Z","counterparty":"bob"}""", "transferId is missing.")]
    [InlineData("""{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemRefunded","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00Z","transferId":"x","counterparty":7}""", "counterparty must be a string, not 7.")]
    public void A_transfer_leg_without_its_transfer_id_or_counterparty_is_malformed(string json, string reason)
    {
        var malformed = Assert.IsType<DecodeResult.Malformed>(Decode(json));

        Assert.Equal(reason, malformed.Reason);
    }

    [Fact]
    public void A_current_document_decodes_to_the_event_that_was_encoded()
    {
        var recorded = new RecordedEvent(3, At, new ItemAdded("sword", 2));

        var decoded = Assert.IsType<DecodeResult.Decoded>(EventCodec.TryDecode(EventCodec.Encode("inv-1", recorded)));

        Assert.Equal(new DecodeResult.Decoded("inv-1", recorded, EventDocument.CurrentSchemaVersion), decoded);
    }

    private static readonly Gen<string> Ids = Gen.Elements("sword", "Long Sword", "épée", "剣", "potion.red:2", "a\"b\\c", "x y");

    private static readonly Gen<RecordedEvent> RecordedEvents =
        from version in Gen.Choose(1, int.MaxValue)
        from ticks in Gen.Choose(0, int.MaxValue)
        from days in Gen.Choose(0, 3_000_000)
        from offsetMinutes in Gen.Choose(-14 * 60, 14 * 60)
        from itemId in Ids
        from quantity in Gen.Choose(1, int.MaxValue)
        from added in Gen.Elements(true, false)
        let at = new DateTimeOffset(DateTime.UnixEpoch.AddDays(days / 1000.0).AddTicks(ticks)).ToOffset(TimeSpan.FromMinutes(offsetMinutes))
        select new RecordedEvent(
            version * 3L,
            at,
            added ? new ItemAdded(itemId, quantity) : new ItemRemoved(itemId, quantity));

    [Property]
    public Property Any_event_round_trips_exactly() =>
        Prop.ForAll(Arb.From(RecordedEvents), recorded =>
        {
            var decoded = Assert.IsType<DecodeResult.Decoded>(EventCodec.TryDecode(EventCodec.Encode("inv_1", recorded)));

            Assert.Equal("inv_1", decoded.InventoryId);
            Assert.Equal(recorded, decoded.Event);
            Assert.Equal(recorded.OccurredAt.UtcTicks, decoded.Event.OccurredAt.UtcTicks);
            Assert.Equal(TimeSpan.Zero, decoded.Event.OccurredAt.Offset);
        });

    [Property]
    public Property OccurredAt_sorts_as_text_in_time_order() =>
        Prop.ForAll(Arb.From(Gen.Two(RecordedEvents)), pair =>
        {
            var (a, b) = pair;
            var byText = Math.Sign(string.CompareOrdinal(EventCodec.FormatOccurredAt(a.OccurredAt), EventCodec.FormatOccurredAt(b.OccurredAt)));

            Assert.Equal(Math.Sign(a.OccurredAt.CompareTo(b.OccurredAt)), byText);
        });

    [Theory]
    [InlineData("2026-05-01T12:00:00.1230000Z")]
    [InlineData("2026-05-01T12:00:00.123Z")]
    [InlineData("2026-05-01T14:00:00.123+02:00")]
    public void OccurredAt_written_by_other_tools_is_read_to_the_same_instant_in_utc(string occurredAt)
    {
        var decoded = Decoded(Good.Replace("2026-05-01T12:00:00.123Z", occurredAt, StringComparison.Ordinal));

        Assert.Equal(new RecordedEvent(3, At, new ItemAdded("sword", 2)), decoded.Event);
        Assert.Equal(TimeSpan.Zero, decoded.Event.OccurredAt.Offset);
    }

    // ---- Legacy: the first deployment's documents are upcast on read ---------------------------------------

    [Fact]
    public void A_legacy_ITEM_ADDED_is_read_as_adding_one_unit()
    {
        var decoded = Decoded("""{"id":"3","inventoryId":"inv-1","version":3,"type":"ITEM_ADDED","data":"sword","timestamp":"2026-05-01T12:00:00.123456"}""");

        Assert.Equal("inv-1", decoded.InventoryId);
        Assert.Equal(EventDocument.LegacySchemaVersion, decoded.SchemaVersion);
        Assert.Equal(new RecordedEvent(3, At.AddTicks(4560), new ItemAdded("sword", 1)), decoded.Event);
        Assert.Equal(TimeSpan.Zero, decoded.Event.OccurredAt.Offset);
    }

    [Fact]
    public void A_legacy_ITEM_REMOVED_is_read_as_removing_one_unit()
    {
        var decoded = Decoded("""{"id":"4","inventoryId":"inv-1","version":4,"type":"ITEM_REMOVED","data":"sword","timestamp":"2026-05-01T12:00:00.123456"}""");

        Assert.Equal(new RecordedEvent(4, At.AddTicks(4560), new ItemRemoved("sword", 1)), decoded.Event);
    }

    [Theory]
    [InlineData("2026-05-01T12:00:00", 0L)] // Python's isoformat() leaves out a zero microsecond
    [InlineData("2026-05-01T12:00:00.5", 5_000_000L)]
    [InlineData("2026-05-01T12:00:00.000001", 10L)]
    [InlineData("2026-05-01 12:00:00.25", 2_500_000L)] // str(datetime)
    [InlineData("2026-05-01T14:00:00+02:00", 0L)] // an aware timestamp keeps its instant
    [InlineData("2026-05-01T12:00:00Z", 0L)]
    public void A_legacy_timestamp_is_taken_as_utc_with_or_without_fractional_seconds(string timestamp, long ticksAfterNoon)
    {
        var decoded = Decoded($$"""{"id":"1","inventoryId":"inv-1","version":1,"type":"ITEM_ADDED","data":"sword","timestamp":"{{timestamp}}"}""");

        var noon = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(noon.AddTicks(ticksAfterNoon), decoded.Event.OccurredAt);
        Assert.Equal(TimeSpan.Zero, decoded.Event.OccurredAt.Offset);
    }

    [Fact]
    public void An_explicit_schemaVersion_1_is_read_as_the_legacy_shape()
    {
        var decoded = Decoded("""{"id":"1","inventoryId":"inv-1","version":1,"schemaVersion":1,"type":"ITEM_ADDED","data":"sword","timestamp":"2026-05-01T12:00:00"}""");

        Assert.Equal(new ItemAdded("sword", 1), decoded.Event.Event);
    }

    [Fact]
    public void A_stream_mixing_legacy_and_current_documents_and_others_folds_to_one_state()
    {
        const string Page = """
            [
              {"id":"1","inventoryId":"inv-1","version":1,"type":"ITEM_ADDED","data":"sword","timestamp":"2026-05-01T12:00:00.123456","_rid":"a","_ts":1},
              {"id":"2","inventoryId":"inv-1","version":2,"type":"ITEM_ADDED","data":"sword","timestamp":"2026-05-01T12:00:01"},
              {"id":"head","inventoryId":"inv-1","kind":"head","state":{"version":4,"items":{"sword":4}}},
              {"id":"3","inventoryId":"inv-1","version":3,"type":"ITEM_REMOVED","data":"sword","timestamp":"2026-05-01T12:00:02.5"},
              {"id":"4","inventoryId":"inv-1","version":4,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":3,"occurredAt":"2026-05-02T09:30:00.0000000Z"},
              {"id":"5","inventoryId":"inv-1","version":5,"type":"ItemRemoved","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-02T09:31:00.0000000Z"},
              {"id":"6","inventoryId":"inv-1","version":6,"type":"ItemAdded","schemaVersion":2,"itemId":"shield","quantity":1,"occurredAt":"2026-05-02T09:32:00.0000000Z"}
            ]
            """;
        using var document = JsonDocument.Parse(Page);

        var results = document.RootElement.EnumerateArray().Select(EventCodec.TryDecode).ToList();
        var events = results.OfType<DecodeResult.Decoded>().Select(d => d.Event).ToList();

        Assert.Single(results.OfType<DecodeResult.NotAnEvent>());
        Assert.Empty(results.OfType<DecodeResult.Malformed>());
        Assert.Equal([1, 1, 1, 2, 2, 2], results.OfType<DecodeResult.Decoded>().Select(d => d.SchemaVersion));
        Assert.Equal(
            Builders.State(6, ("shield", 1), ("sword", 2)),
            Inventory.Fold(InventoryState.Empty, events));
    }

    // ---- What Cosmos DB adds, and documents that are not events --------------------------------------------

    [Fact]
    public void Cosmos_system_properties_are_ignored()
    {
        var decoded = Decoded("""
            {"id":"3","inventoryId":"inv-1","version":3,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":2,
             "occurredAt":"2026-05-01T12:00:00.1230000Z","_rid":"Kq4xAKhe7QcBAAAAAAAAAA==","_self":"dbs/Kq4xAA==/colls/Kq4xAKhe7Qc=/docs/Kq4xAKhe7QcBAAAAAAAAAA==/",
             "_etag":"\"0000d986-0000-0d00-0000-65f0b1a40000\"","_attachments":"attachments/","_ts":1777636800,"_lsn":42}
            """);

        Assert.Equal(new RecordedEvent(3, At, new ItemAdded("sword", 2)), decoded.Event);
    }

    [Theory]
    [InlineData("""{"id":"head","inventoryId":"inv-1","kind":"head","state":{"version":4,"items":{}}}""", "head")]
    [InlineData("""{"id":"x","inventoryId":"inv-1","version":"3"}""", "x")]
    [InlineData("""{"id":"x","inventoryId":"inv-1","version":null,"_ts":1}""", "x")]
    [InlineData("""{"inventoryId":"inv-1","resultVersion":3}""", null)]
    [InlineData("""{"id":"idempotency-1","type":"ItemAdded","itemId":"x","itemId":"y"}""", "idempotency-1")] // a repeat in a non-event is no concern
    public void A_document_without_a_numeric_version_is_not_an_event(string json, string? id)
    {
        Assert.Equal(new DecodeResult.NotAnEvent(id), Decode(json));
    }

    // ---- Malformed documents: each reported with its id and the reason ---------------------------------

    private const string Good = """{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00.123Z"}""";
    private const string GoodLegacy = """{"id":"3","inventoryId":"inv-1","version":3,"type":"ITEM_ADDED","data":"sword","timestamp":"2026-05-01T12:00:00.123456"}""";

    public static TheoryData<string, string?, string> MalformedDocuments() => new()
    {
        { Good.Replace("\"version\":3", "\"version\":0", StringComparison.Ordinal), "3", "version must be a positive integer, not 0." },
        { Good.Replace("\"version\":3", "\"version\":-3", StringComparison.Ordinal), "3", "version must be a positive integer, not -3." },
        { Good.Replace("\"version\":3", "\"version\":3.5", StringComparison.Ordinal), "3", "version must be a positive integer, not 3.5." },
        { Good.Replace("\"version\":3", "\"version\":1e300", StringComparison.Ordinal), "3", "version must be a positive integer, not 1e300." },
        { Good.Replace("\"id\":\"3\",", "", StringComparison.Ordinal), null, "id is missing." },
        { Good.Replace("\"id\":\"3\"", "\"id\":3", StringComparison.Ordinal), null, "id must be a string, not 3." },
        { Good.Replace("\"id\":\"3\"", "\"id\":\"03\"", StringComparison.Ordinal), "03", "id '03' does not match version 3." },
        { Good.Replace("\"id\":\"3\"", "\"id\":\"b7c1e0\"", StringComparison.Ordinal), "b7c1e0", "id 'b7c1e0' does not match version 3." },
        { Good.Replace("\"inventoryId\":\"inv-1\",", "", StringComparison.Ordinal), "3", "inventoryId is missing." },
        { Good.Replace("\"inventoryId\":\"inv-1\"", "\"inventoryId\":\"\"", StringComparison.Ordinal), "3", "inventoryId must not be empty." },
        { Good.Replace("\"inventoryId\":\"inv-1\"", "\"inventoryId\":1", StringComparison.Ordinal), "3", "inventoryId must be a string, not 1." },
        { Good.Replace("\"schemaVersion\":2", "\"schemaVersion\":3", StringComparison.Ordinal), "3", "unknown schemaVersion 3." },
        { Good.Replace("\"schemaVersion\":2", "\"schemaVersion\":0", StringComparison.Ordinal), "3", "unknown schemaVersion 0." },
        { Good.Replace("\"schemaVersion\":2", "\"schemaVersion\":\"2\"", StringComparison.Ordinal), "3", "schemaVersion must be an integer, not \"2\"." },
        { Good.Replace("\"schemaVersion\":2", "\"schemaVersion\":2.5", StringComparison.Ordinal), "3", "schemaVersion must be an integer, not 2.5." },
        { Good.Replace("\"type\":\"ItemAdded\",", "", StringComparison.Ordinal), "3", "type is missing." },
        { Good.Replace("\"type\":\"ItemAdded\"", "\"type\":7", StringComparison.Ordinal), "3", "type must be a string, not 7." },
        { Good.Replace("\"type\":\"ItemAdded\"", "\"type\":\"ItemDeleted\"", StringComparison.Ordinal), "3", "unknown type \"ItemDeleted\" for schemaVersion 2." },
        { Good.Replace("\"type\":\"ItemAdded\"", "\"type\":\"itemadded\"", StringComparison.Ordinal), "3", "unknown type \"itemadded\" for schemaVersion 2." },
        { Good.Replace("\"type\":\"ItemAdded\"", "\"type\":\"ITEM_ADDED\"", StringComparison.Ordinal), "3", "unknown type \"ITEM_ADDED\" for schemaVersion 2." },
        { Good.Replace("\"itemId\":\"sword\",", "", StringComparison.Ordinal), "3", "itemId is missing." },
        { Good.Replace("\"itemId\":\"sword\"", "\"itemId\":\"\"", StringComparison.Ordinal), "3", "itemId must not be empty." },
        { Good.Replace("\"itemId\":\"sword\"", "\"itemId\":null", StringComparison.Ordinal), "3", "itemId must be a string, not null." },
        { Good.Replace("\"quantity\":2,", "", StringComparison.Ordinal), "3", "quantity is missing." },
        { Good.Replace("\"quantity\":2", "\"quantity\":0", StringComparison.Ordinal), "3", "quantity must be a positive 32-bit integer, not 0." },
        { Good.Replace("\"quantity\":2", "\"quantity\":-2", StringComparison.Ordinal), "3", "quantity must be a positive 32-bit integer, not -2." },
        { Good.Replace("\"quantity\":2", "\"quantity\":2.5", StringComparison.Ordinal), "3", "quantity must be a positive 32-bit integer, not 2.5." },
        { Good.Replace("\"quantity\":2", "\"quantity\":\"2\"", StringComparison.Ordinal), "3", "quantity must be a positive 32-bit integer, not \"2\"." },
        { Good.Replace("\"quantity\":2", "\"quantity\":3000000000", StringComparison.Ordinal), "3", "quantity must be a positive 32-bit integer, not 3000000000." },
        { Good.Replace(",\"occurredAt\":\"2026-05-01T12:00:00.123Z\"", "", StringComparison.Ordinal), "3", "occurredAt is missing." },
        { Good.Replace("2026-05-01T12:00:00.123Z", "yesterday", StringComparison.Ordinal), "3", "occurredAt \"yesterday\" is not a valid timestamp." },
        { Good.Replace("2026-05-01T12:00:00.123Z", "2026-05-01T12:00:00.123", StringComparison.Ordinal), "3", "occurredAt \"2026-05-01T12:00:00.123\" is not a valid timestamp." },
        { Good.Replace("2026-05-01T12:00:00.123Z", "2026-05-01T12:00:00.123456789Z", StringComparison.Ordinal), "3", "occurredAt \"2026-05-01T12:00:00.123456789Z\" is not a valid timestamp." },
        { Good.Replace("2026-05-01T12:00:00.123Z", "2026-02-30T12:00:00Z", StringComparison.Ordinal), "3", "occurredAt \"2026-02-30T12:00:00Z\" is not a valid timestamp." },
        { Good.Replace("2026-05-01T12:00:00.123Z", "0001-01-01T00:00:00+01:00", StringComparison.Ordinal), "3", "occurredAt \"0001-01-01T00:00:00+01:00\" is not a valid timestamp." },
        { Good.Replace("2026-05-01T12:00:00.123Z", "9999-12-31T23:59:59-01:00", StringComparison.Ordinal), "3", "occurredAt \"9999-12-31T23:59:59-01:00\" is not a valid timestamp." },
        { Good.Replace("\"2026-05-01T12:00:00.123Z\"", "1777636800", StringComparison.Ordinal), "3", "occurredAt must be a string, not 1777636800." },
        { Good.Replace("\"quantity\":2", "\"quantity\":2,\"quantity\":5", StringComparison.Ordinal), "3", "the property 'quantity' appears more than once." },
        { Good.Replace("\"version\":3", "\"version\":3,\"version\":\"x\"", StringComparison.Ordinal), "3", "the property 'version' appears more than once." },
        { GoodLegacy.Replace("ITEM_ADDED", "ITEM_SOLD", StringComparison.Ordinal), "3", "unknown type \"ITEM_SOLD\" for a legacy document (no schemaVersion)." },
        { GoodLegacy.Replace("ITEM_ADDED", "ItemAdded", StringComparison.Ordinal), "3", "unknown type \"ItemAdded\" for a legacy document (no schemaVersion)." },
        { GoodLegacy.Replace("\"data\":\"sword\",", "", StringComparison.Ordinal), "3", "data is missing." },
        { GoodLegacy.Replace("\"data\":\"sword\"", "\"data\":\"\"", StringComparison.Ordinal), "3", "data must not be empty." },
        { GoodLegacy.Replace("\"data\":\"sword\"", "\"data\":{\"name\":\"sword\"}", StringComparison.Ordinal), "3", "data must be a string, not {\"name\":\"sword\"}." },
        { GoodLegacy.Replace(",\"timestamp\":\"2026-05-01T12:00:00.123456\"", "", StringComparison.Ordinal), "3", "timestamp is missing." },
        { GoodLegacy.Replace("2026-05-01T12:00:00.123456", "01/05/2026 12:00", StringComparison.Ordinal), "3", "timestamp \"01/05/2026 12:00\" is not a valid timestamp." },
        { Good.Replace("\"itemId\":\"sword\"", $"\"itemId\":{new string('1', 60)}", StringComparison.Ordinal), "3", $"itemId must be a string, not {new string('1', 40)}...." },
    };

    [Theory]
    [MemberData(nameof(MalformedDocuments))]
    public void A_malformed_event_is_reported_with_its_id_and_the_reason(string json, string? id, string reason)
    {
        Assert.Equal(new DecodeResult.Malformed(id, reason), Decode(json));
    }

    [Theory]
    [InlineData("[1,2]", "the document is a JSON array, not an object.")]
    [InlineData("\"3\"", "the document is a JSON string, not an object.")]
    [InlineData("null", "the document is a JSON null, not an object.")]
    public void A_document_that_is_not_an_object_is_malformed(string json, string reason)
    {
        Assert.Equal(new DecodeResult.Malformed(null, reason), Decode(json));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"id\":\"3\",}")]
    [InlineData("{} {}")]
    [InlineData("not json")]
    public void Bytes_that_are_not_one_JSON_document_are_malformed_without_an_id(string text)
    {
        var result = Assert.IsType<DecodeResult.Malformed>(EventCodec.TryDecode(Encoding.UTF8.GetBytes(text)));

        Assert.Null(result.Id);
        Assert.StartsWith("the document ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decoding_bytes_and_decoding_an_element_agree()
    {
        Assert.Equal(Decode(Good), EventCodec.TryDecode(Encoding.UTF8.GetBytes(Good)));
        Assert.Equal(Decode(GoodLegacy), EventCodec.TryDecode(Encoding.UTF8.GetBytes(GoodLegacy)));
    }

    private static readonly Gen<string> Fragments = Gen.Elements(
        "{", "}", "[", "]", ",", ":", "\"id\"", "\"3\"", "\"version\"", "3", "-1", "1.5", "null", "true",
        "\"type\"", "\"ItemAdded\"", "\"ITEM_REMOVED\"", "\"schemaVersion\"", "2", "\"itemId\"", "\"quantity\"",
        "\"occurredAt\"", "\"2026-05-01T12:00:00Z\"", "\"data\"", "\"timestamp\"", "\"inventoryId\"", "\"x\"", " ", "\"");

    [Property(MaxTest = 500)]
    public Property Decoding_never_throws_whatever_the_bytes() =>
        Prop.ForAll(Arb.From(Gen.ArrayOf(Fragments)), fragments =>
        {
            var text = string.Concat(fragments);
            _ = EventCodec.TryDecode(Encoding.UTF8.GetBytes(text));
            _ = EventCodec.TryDecode(Encoding.UTF8.GetBytes("{" + text + "}"));
        });

    [Property(MaxTest = 500)]
    public Property A_document_with_a_field_changed_is_decoded_or_reported_never_thrown() =>
        Prop.ForAll(
            Arb.From(Gen.Elements("id", "inventoryId", "version", "type", "schemaVersion", "itemId", "quantity", "occurredAt")),
            Arb.From(Gen.Elements("null", "0", "-1", "2", "1.5", "\"\"", "\"x\"", "[]", "{}", "true", "99999999999999999999")),
            (field, value) =>
            {
                var json = new System.Text.Json.Nodes.JsonObject();
                foreach (var property in JsonDocument.Parse(Good).RootElement.EnumerateObject())
                {
                    json[property.Name] = property.Name == field
                        ? System.Text.Json.Nodes.JsonNode.Parse(value)
                        : System.Text.Json.Nodes.JsonNode.Parse(property.Value.GetRawText());
                }

                var result = EventCodec.TryDecode(Encoding.UTF8.GetBytes(json.ToJsonString()));
                Assert.True(result is DecodeResult.Decoded or DecodeResult.Malformed or DecodeResult.NotAnEvent);
            });
}
