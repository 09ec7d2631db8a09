namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The shape of an event document in the <c>events</c> container (partition key <c>/inventoryId</c>),
/// for the codec and for queries. One document per event; its id is its version as a decimal string,
/// so two writers of the same version collide (409 Conflict) instead of both succeeding.
/// </summary>
/// <remarks>
/// Current shape (schemaVersion 2):
/// <code>{"id":"3","inventoryId":"inv-1","version":3,"type":"ItemAdded","schemaVersion":2,"itemId":"sword","quantity":2,"occurredAt":"2026-05-01T12:00:00.1230000Z","actor":{"kind":"player","id":"inv-1"}}</code>
/// <c>actor</c> (who caused the event: <c>kind</c>, <c>id</c>, optional <c>appId</c>) was added to schemaVersion 2 as an
/// optional property: events written before it have none and read as actor unknown.
/// Transfer legs (<c>ItemTransferredOut</c>, <c>ItemTransferredIn</c>, <c>ItemRefunded</c>, schemaVersion 2) add two properties:
/// <code>{..., "type":"ItemTransferredOut", ..., "transferId":"0f3c…(32 hex)","counterparty":"player-2"}</code>
/// Legacy shape (the first deployment, no schemaVersion, one unit per event, naive UTC timestamp):
/// <code>{"id":"3","inventoryId":"inv-1","version":3,"type":"ITEM_ADDED","data":"sword","timestamp":"2026-05-01T12:00:00.123456"}</code>
/// Old documents are never rewritten: the codec upcasts them on read.
/// </remarks>
public static class EventDocument
{
    /// <summary>The schema version the codec writes.</summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>The schema version of documents without a <c>schemaVersion</c> property (the legacy shape).</summary>
    public const int LegacySchemaVersion = 1;

    /// <summary>
    /// The fixed-width UTC format of <c>occurredAt</c> (28 characters, e.g. <c>2026-05-01T12:00:00.1230000Z</c>):
    /// it round-trips to the tick, and sorts as text in the same order as in time.
    /// </summary>
    public const string OccurredAtFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>Property names (camelCase), shared by both shapes unless marked legacy.</summary>
    public static class Fields
    {
        public const string Id = "id";
        public const string InventoryId = "inventoryId";
        public const string Version = "version";
        public const string Type = "type";
        public const string SchemaVersion = "schemaVersion";
        public const string ItemId = "itemId";
        public const string Quantity = "quantity";
        public const string OccurredAt = "occurredAt";

        /// <summary>Transfer legs only: the transfer's id.</summary>
        public const string TransferId = "transferId";

        /// <summary>Transfer legs only: the other inventory (the receiver of a debit or refund, the sender of a credit).</summary>
        public const string Counterparty = "counterparty";
        /// <summary>Optional: who caused the event (<see cref="ActorFields"/>).</summary>
        public const string Actor = "actor";

        /// <summary>Legacy: the item id.</summary>
        public const string LegacyData = "data";

        /// <summary>Legacy: the naive (UTC) time of the event.</summary>
        public const string LegacyTimestamp = "timestamp";
    }

    /// <summary>The properties of <c>actor</c>.</summary>
    public static class ActorFields
    {
        public const string Kind = "kind";
        public const string Id = "id";
        public const string AppId = "appId";
    }

    /// <summary>The legacy type names, read only (upcast to <see cref="Domain.EventTypes"/> with quantity 1).</summary>
    public static class LegacyTypes
    {
        public const string ItemAdded = "ITEM_ADDED";
        public const string ItemRemoved = "ITEM_REMOVED";
    }
}
