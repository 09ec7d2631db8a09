using System.Buffers;
using System.Globalization;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// Encodes recorded events as event documents and decodes them back, upcasting the legacy shape on read.
/// See <see cref="EventDocument"/> for both shapes.
/// </summary>
/// <remarks>
/// Writing is strict: only the current shape, occurredAt in <see cref="EventDocument.OccurredAtFormat"/>, and only
/// events that decode again (an impossible event throws rather than being stored).
/// Reading is tolerant of what the log may hold but never guesses: a document is decoded, reported as
/// <see cref="DecodeResult.NotAnEvent"/> (no numeric top-level version), or reported as
/// <see cref="DecodeResult.Malformed"/> with its id and the reason. Decoding never throws on bad input.
/// Unknown properties, such as Cosmos DB's system properties (<c>_rid</c>, <c>_etag</c>, <c>_ts</c>, ...), are ignored.
/// </remarks>
public static class EventCodec
{
    private const int MaxCachedBufferSize = 16 * 1024;
    private const int MaxValueInReason = 40;

    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode(EventDocument.Fields.Id);
    private static readonly JsonEncodedText InventoryIdName = JsonEncodedText.Encode(EventDocument.Fields.InventoryId);
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode(EventDocument.Fields.Version);
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode(EventDocument.Fields.Type);
    private static readonly JsonEncodedText SchemaVersionName = JsonEncodedText.Encode(EventDocument.Fields.SchemaVersion);
    private static readonly JsonEncodedText ItemIdName = JsonEncodedText.Encode(EventDocument.Fields.ItemId);
    private static readonly JsonEncodedText QuantityName = JsonEncodedText.Encode(EventDocument.Fields.Quantity);
    private static readonly JsonEncodedText OccurredAtName = JsonEncodedText.Encode(EventDocument.Fields.OccurredAt);
    private static readonly JsonEncodedText TransferIdName = JsonEncodedText.Encode(EventDocument.Fields.TransferId);
    private static readonly JsonEncodedText CounterpartyName = JsonEncodedText.Encode(EventDocument.Fields.Counterparty);
    private static readonly JsonEncodedText ActorName = JsonEncodedText.Encode(EventDocument.Fields.Actor);
    private static readonly JsonEncodedText ItemAddedType = JsonEncodedText.Encode(EventTypes.ItemAdded);
    private static readonly JsonEncodedText ItemRemovedType = JsonEncodedText.Encode(EventTypes.ItemRemoved);
    private static readonly JsonEncodedText ItemTransferredOutType = JsonEncodedText.Encode(EventTypes.ItemTransferredOut);
    private static readonly JsonEncodedText ItemTransferredInType = JsonEncodedText.Encode(EventTypes.ItemTransferredIn);
    private static readonly JsonEncodedText ItemRefundedType = JsonEncodedText.Encode(EventTypes.ItemRefunded);

    // Current: fixed UTC format with 'Z' (any number of fraction digits up to 7), or an explicit offset, converted to UTC.
    private static readonly string[] OccurredAtFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    // Legacy: Python's isoformat() of a naive datetime (microseconds only when non-zero), taken as UTC;
    // str(datetime) with a space; and the aware forms, converted to UTC.
    private static readonly string[] LegacyTimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz",
    ];

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The id of the document holding the event at <paramref name="version"/>: the version in decimal.</summary>
    public static string DocumentId(long version) => CorruptEventException.DocumentIdOf(version);

    /// <summary>Reads what the change feed delivered: each document decoded, with the inventory id and version it claims.</summary>
    public static IReadOnlyList<ChangedDocument> ReadChanges(IReadOnlyList<JsonElement> documents) =>
        [.. documents.Select(document => new ChangedDocument(
            ClaimedString(document, EventDocument.Fields.InventoryId), ClaimedVersion(document), TryDecode(document)))];

    /// <summary>Formats an instant as stored in <c>occurredAt</c>: UTC, <see cref="EventDocument.OccurredAtFormat"/>.</summary>
    public static string FormatOccurredAt(DateTimeOffset occurredAt) =>
        occurredAt.UtcDateTime.ToString(EventDocument.OccurredAtFormat, CultureInfo.InvariantCulture);

    /// <summary>Encodes <paramref name="recorded"/> of <paramref name="inventoryId"/>'s stream as a UTF-8 JSON document.</summary>
    /// <exception cref="ArgumentException">
    /// The inventory id is empty, or the event could not be decoded again (empty item id, quantity of zero or less).
    /// </exception>
    public static byte[] Encode(string inventoryId, RecordedEvent recorded)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer);
        }
        else
        {
            writer.Reset(buffer);
        }

        try
        {
            Write(writer, inventoryId, recorded);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            writer.Reset();
            if (buffer.Capacity > MaxCachedBufferSize)
            {
                t_buffer = null;
            }
        }
    }

    /// <summary>Writes <paramref name="recorded"/> of <paramref name="inventoryId"/>'s stream as a JSON document to <paramref name="writer"/>.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Encode"/>; nothing is written then.</exception>
    public static void Write(Utf8JsonWriter writer, string inventoryId, RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentException.ThrowIfNullOrEmpty(inventoryId);
        ArgumentNullException.ThrowIfNull(recorded);
        var type = recorded.Event switch
        {
            ItemAdded => ItemAddedType,
            ItemRemoved => ItemRemovedType,
            ItemTransferredOut => ItemTransferredOutType,
            ItemTransferredIn => ItemTransferredInType,
            ItemRefunded => ItemRefundedType,
            var other => throw new ArgumentException($"Cannot encode event type {other.GetType().Name}.", nameof(recorded)),
        };
        var (itemId, quantity) = (recorded.Event.ItemId, recorded.Event.Quantity);
        if (string.IsNullOrEmpty(itemId))
        {
            throw new ArgumentException("Cannot encode an event without an item id.", nameof(recorded));
        }

        if (quantity <= 0)
        {
            throw new ArgumentException($"Cannot encode an event with quantity {quantity}.", nameof(recorded));
        }

        if (recorded.Event is TransferEvent leg && (string.IsNullOrEmpty(leg.TransferId) || string.IsNullOrEmpty(leg.Counterparty)))
        {
            throw new ArgumentException("Cannot encode a transfer leg without its transfer id and counterparty.", nameof(recorded));
        }

        Span<byte> id = stackalloc byte[20];
        recorded.Version.TryFormat(id, out var idLength, default, CultureInfo.InvariantCulture);
        Span<byte> occurredAt = stackalloc byte[EventDocument.OccurredAtFormat.Length];
        recorded.OccurredAt.UtcDateTime.TryFormat(
            occurredAt, out var occurredAtLength, EventDocument.OccurredAtFormat, CultureInfo.InvariantCulture);

        writer.WriteStartObject();
        writer.WriteString(IdName, id[..idLength]);
        writer.WriteString(InventoryIdName, inventoryId);
        writer.WriteNumber(VersionName, recorded.Version);
        writer.WriteString(TypeName, type);
        writer.WriteNumber(SchemaVersionName, EventDocument.CurrentSchemaVersion);
        writer.WriteString(ItemIdName, itemId);
        writer.WriteNumber(QuantityName, quantity);
        writer.WriteString(OccurredAtName, occurredAt[..occurredAtLength]);
        if (recorded.Event is TransferEvent transfer)
        {
            writer.WriteString(TransferIdName, transfer.TransferId);
            writer.WriteString(CounterpartyName, transfer.Counterparty);
        }
        if (recorded.Actor is { } actor)
        {
            writer.WriteStartObject(ActorName);
            writer.WriteString(EventDocument.ActorFields.Kind, Actor.NameOf(actor.Kind));
            writer.WriteString(EventDocument.ActorFields.Id, actor.Id);
            if (actor.AppId is not null)
            {
                writer.WriteString(EventDocument.ActorFields.AppId, actor.AppId);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Decodes one document from UTF-8 JSON; text that is not JSON is reported as malformed.</summary>
    public static DecodeResult TryDecode(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        JsonDocument? document = null;
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out document))
            {
                return new DecodeResult.Malformed(null, "the document is incomplete JSON.");
            }

            if (reader.Read())
            {
                return new DecodeResult.Malformed(null, "the document has content after its JSON value.");
            }

            return TryDecode(document.RootElement);
        }
        catch (JsonException ex)
        {
            return new DecodeResult.Malformed(null, $"the document is not valid JSON: {ex.Message}");
        }
        finally
        {
            document?.Dispose();
        }
    }

    /// <summary>
    /// Decodes one document: an event (current or legacy shape), <see cref="DecodeResult.NotAnEvent"/>, or
    /// <see cref="DecodeResult.Malformed"/> with the reason. Never throws on bad input.
    /// </summary>
    public static DecodeResult TryDecode(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object)
        {
            return new DecodeResult.Malformed(null, $"the document is a JSON {Describe(document.ValueKind)}, not an object.");
        }

        var fields = default(Fields);
        string? duplicate = null;
        foreach (var property in document.EnumerateObject())
        {
            if (!fields.TryTake(property, out var name))
            {
                duplicate ??= name;
            }
        }

        return Decode(in fields, duplicate);
    }

    private static DecodeResult Decode(in Fields f, string? duplicate)
    {
        // Which of two values is meant would be a guess: a document with a property twice is not decoded.
        // Only a repeated version makes that so for a document that is not an event.
        if (duplicate == EventDocument.Fields.Version
            || (duplicate is not null && f.Version.ValueKind == JsonValueKind.Number))
        {
            return Malformed(in f, $"the property '{duplicate}' appears more than once.");
        }

        if (f.Version.ValueKind != JsonValueKind.Number)
        {
            return new DecodeResult.NotAnEvent(IdOf(in f));
        }

        if (!f.Version.TryGetInt64(out var version) || version < 1)
        {
            return Malformed(in f, $"version must be a positive integer, not {Raw(f.Version)}.");
        }

        if (f.Id.ValueKind != JsonValueKind.String)
        {
            return f.Id.ValueKind == JsonValueKind.Undefined
                ? Malformed(in f, "id is missing.")
                : Malformed(in f, $"id must be a string, not {Raw(f.Id)}.");
        }

        if (!MatchesVersion(f.Id, version))
        {
            return Malformed(in f, $"id '{Truncate(IdOf(in f)!)}' does not match version {version}.");
        }

        if (RequireString(f.InventoryId, EventDocument.Fields.InventoryId, out var inventoryId) is { } inventoryIdError)
        {
            return Malformed(in f, inventoryIdError);
        }

        int schemaVersion;
        if (f.SchemaVersion.ValueKind == JsonValueKind.Undefined)
        {
            schemaVersion = EventDocument.LegacySchemaVersion;
        }
        else if (f.SchemaVersion.ValueKind != JsonValueKind.Number || !f.SchemaVersion.TryGetInt32(out schemaVersion))
        {
            return Malformed(in f, $"schemaVersion must be an integer, not {Raw(f.SchemaVersion)}.");
        }

        if (f.Type.ValueKind == JsonValueKind.Undefined)
        {
            return Malformed(in f, "type is missing.");
        }

        if (f.Type.ValueKind != JsonValueKind.String)
        {
            return Malformed(in f, $"type must be a string, not {Raw(f.Type)}.");
        }

        return schemaVersion switch
        {
            EventDocument.CurrentSchemaVersion => DecodeCurrent(in f, inventoryId, version),
            EventDocument.LegacySchemaVersion => DecodeLegacy(in f, inventoryId, version),
            _ => Malformed(in f, $"unknown schemaVersion {schemaVersion.ToString(CultureInfo.InvariantCulture)}."),
        };
    }

    private static DecodeResult DecodeCurrent(in Fields f, string inventoryId, long version)
    {
        var type = f.Type.GetString();
        if (type is not (EventTypes.ItemAdded or EventTypes.ItemRemoved or EventTypes.ItemTransferredOut or EventTypes.ItemTransferredIn or EventTypes.ItemRefunded))
        {
            return Malformed(in f, $"unknown type {Raw(f.Type)} for schemaVersion {EventDocument.CurrentSchemaVersion}.");
        }

        if (RequireString(f.ItemId, EventDocument.Fields.ItemId, out var itemId) is { } itemIdError)
        {
            return Malformed(in f, itemIdError);
        }

        if (f.Quantity.ValueKind == JsonValueKind.Undefined)
        {
            return Malformed(in f, "quantity is missing.");
        }

        if (f.Quantity.ValueKind != JsonValueKind.Number || !f.Quantity.TryGetInt32(out var quantity) || quantity < 1)
        {
            return Malformed(in f, $"quantity must be a positive 32-bit integer, not {Raw(f.Quantity)}.");
        }

        if (ParseTime(f.OccurredAt, EventDocument.Fields.OccurredAt, OccurredAtFormats, out var occurredAt) is { } timeError)
        {
            return Malformed(in f, timeError);
        }

        if (DecodeActor(f.Actor, out var actor) is { } actorError)
        {
            return Malformed(in f, actorError);
        }

        var (transferId, counterparty) = (string.Empty, string.Empty);
        if (type is EventTypes.ItemTransferredOut or EventTypes.ItemTransferredIn or EventTypes.ItemRefunded)
        {
            if ((RequireString(f.TransferId, EventDocument.Fields.TransferId, out transferId)
                ?? RequireString(f.Counterparty, EventDocument.Fields.Counterparty, out counterparty)) is { } transferError)
            {
                return Malformed(in f, transferError);
            }
        }

        InventoryEvent e = type switch
        {
            EventTypes.ItemAdded => new ItemAdded(itemId, quantity),
            EventTypes.ItemRemoved => new ItemRemoved(itemId, quantity),
            EventTypes.ItemTransferredOut => new ItemTransferredOut(itemId, quantity, transferId, counterparty),
            EventTypes.ItemTransferredIn => new ItemTransferredIn(itemId, quantity, transferId, counterparty),
            _ => new ItemRefunded(itemId, quantity, transferId, counterparty),
        };
        return new DecodeResult.Decoded(inventoryId, new RecordedEvent(version, occurredAt, e) { Actor = actor }, EventDocument.CurrentSchemaVersion);
    }

    // Optional: events written before actors were recorded have none (actor unknown).
    private static string? DecodeActor(JsonElement value, out Actor? actor)
    {
        actor = null;
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return $"actor must be an object, not {Raw(value)}.";
        }

        var kind = value.TryGetProperty(EventDocument.ActorFields.Kind, out var k) && k.ValueKind == JsonValueKind.String ? Actor.KindNamed(k.GetString()) : null;
        if (kind is null)
        {
            return $"actor.kind must be one of player, server, support, admin, system, not {Raw(k)}.";
        }

        if (!value.TryGetProperty(EventDocument.ActorFields.Id, out var id) || id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
        {
            return "actor.id must be a non-empty string.";
        }

        var appId = value.TryGetProperty(EventDocument.ActorFields.AppId, out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        actor = new Actor(kind.Value, id.GetString()!, appId);
        return null;
    }

    // Upcast: ITEM_ADDED/ITEM_REMOVED of one unit of `data` at the naive UTC `timestamp`.
    private static DecodeResult DecodeLegacy(in Fields f, string inventoryId, long version)
    {
        bool added;
        if (f.Type.ValueEquals(EventDocument.LegacyTypes.ItemAdded))
        {
            added = true;
        }
        else if (f.Type.ValueEquals(EventDocument.LegacyTypes.ItemRemoved))
        {
            added = false;
        }
        else
        {
            return Malformed(in f, $"unknown type {Raw(f.Type)} for a legacy document (no schemaVersion).");
        }

        if (RequireString(f.Data, EventDocument.Fields.LegacyData, out var itemId) is { } itemIdError)
        {
            return Malformed(in f, itemIdError);
        }

        if (ParseTime(f.Timestamp, EventDocument.Fields.LegacyTimestamp, LegacyTimestampFormats, out var occurredAt) is { } timeError)
        {
            return Malformed(in f, timeError);
        }

        InventoryEvent e = added ? new ItemAdded(itemId, 1) : new ItemRemoved(itemId, 1);
        return new DecodeResult.Decoded(inventoryId, new RecordedEvent(version, occurredAt, e), EventDocument.LegacySchemaVersion);
    }

    private static string? ClaimedString(JsonElement document, string name) =>
        document.ValueKind == JsonValueKind.Object && document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? ClaimedVersion(JsonElement document) =>
        document.ValueKind == JsonValueKind.Object && document.TryGetProperty(EventDocument.Fields.Version, out var value)
            && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number > 0
            ? number : null;

    private static string? RequireString(JsonElement value, string name, out string text)
    {
        text = string.Empty;
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return $"{name} is missing.";
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return $"{name} must be a string, not {Raw(value)}.";
        }

        text = value.GetString()!;
        return text.Length == 0 ? $"{name} must not be empty." : null;
    }

    private static string? ParseTime(JsonElement value, string name, string[] formats, out DateTimeOffset instant)
    {
        instant = default;
        if (RequireString(value, name, out var text) is { } error)
        {
            return error;
        }

        return DateTimeOffset.TryParseExact(
            text,
            formats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out instant)
            ? null
            : $"{name} {Raw(value)} is not a valid timestamp.";
    }

    private static bool MatchesVersion(JsonElement id, long version)
    {
        Span<byte> expected = stackalloc byte[20];
        return version.TryFormat(expected, out var length, default, CultureInfo.InvariantCulture)
            && id.ValueEquals(expected[..length]);
    }

    // The id is read only to report a document that is not decoded: a decoded event does not need it as a string.
    private static string? IdOf(in Fields f) => f.Id.ValueKind == JsonValueKind.String ? f.Id.GetString() : null;

    private static DecodeResult.Malformed Malformed(in Fields f, string reason) => new(IdOf(in f), reason);

    private static string Raw(JsonElement value) => value.ValueKind == JsonValueKind.Undefined
        ? "missing"
        : Truncate(value.GetRawText());

    private static string Truncate(string text) =>
        text.Length <= MaxValueInReason ? text : string.Concat(text.AsSpan(0, MaxValueInReason), "...");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    // The properties the codec reads, found in one pass over the document (unknown ones are ignored).
    private struct Fields
    {
        public JsonElement Id;
        public JsonElement InventoryId;
        public JsonElement Version;
        public JsonElement Type;
        public JsonElement SchemaVersion;
        public JsonElement ItemId;
        public JsonElement Quantity;
        public JsonElement OccurredAt;
        public JsonElement Data;
        public JsonElement Timestamp;
        public JsonElement TransferId;
        public JsonElement Counterparty;
        public JsonElement Actor;

        // False, with the name, when a known property appears twice: which one is meant would be a guess.
        public bool TryTake(JsonProperty property, out string duplicate)
        {
            if (property.NameEquals("id"u8)) { return Take(ref Id, property, EventDocument.Fields.Id, out duplicate); }
            if (property.NameEquals("inventoryId"u8)) { return Take(ref InventoryId, property, EventDocument.Fields.InventoryId, out duplicate); }
            if (property.NameEquals("version"u8)) { return Take(ref Version, property, EventDocument.Fields.Version, out duplicate); }
            if (property.NameEquals("type"u8)) { return Take(ref Type, property, EventDocument.Fields.Type, out duplicate); }
            if (property.NameEquals("schemaVersion"u8)) { return Take(ref SchemaVersion, property, EventDocument.Fields.SchemaVersion, out duplicate); }
            if (property.NameEquals("itemId"u8)) { return Take(ref ItemId, property, EventDocument.Fields.ItemId, out duplicate); }
            if (property.NameEquals("quantity"u8)) { return Take(ref Quantity, property, EventDocument.Fields.Quantity, out duplicate); }
            if (property.NameEquals("occurredAt"u8)) { return Take(ref OccurredAt, property, EventDocument.Fields.OccurredAt, out duplicate); }
            if (property.NameEquals("data"u8)) { return Take(ref Data, property, EventDocument.Fields.LegacyData, out duplicate); }
            if (property.NameEquals("timestamp"u8)) { return Take(ref Timestamp, property, EventDocument.Fields.LegacyTimestamp, out duplicate); }
            if (property.NameEquals("transferId"u8)) { return Take(ref TransferId, property, EventDocument.Fields.TransferId, out duplicate); }
            if (property.NameEquals("counterparty"u8)) { return Take(ref Counterparty, property, EventDocument.Fields.Counterparty, out duplicate); }
            if (property.NameEquals("actor"u8)) { return Take(ref Actor, property, EventDocument.Fields.Actor, out duplicate); }
            duplicate = string.Empty;
            return true;
        }

        private static bool Take(ref JsonElement slot, JsonProperty property, string name, out string duplicate)
        {
            if (slot.ValueKind != JsonValueKind.Undefined)
            {
                duplicate = name;
                return false;
            }

            duplicate = string.Empty;
            slot = property.Value;
            return true;
        }
    }
}
