using InventoryFunctions.Domain;

namespace InventoryFunctions.Http;

/// <summary>An event as the API shows it. <c>OccurredAt</c> is a UTC <see cref="DateTime"/> so it serializes with 'Z'.</summary>
public sealed record EventResponse(long Version, string Type, string ItemId, int Quantity, DateTime OccurredAt)
{
    public static EventResponse From(RecordedEvent recorded)
        => new(recorded.Version, EventTypes.NameOf(recorded.Event), recorded.Event.ItemId, recorded.Event.Quantity, recorded.OccurredAt.UtcDateTime);
}

/// <summary>The answer to a command: the inventory's version after it and the events it appended.</summary>
public sealed record AppendResponse(string InventoryId, long Version, IReadOnlyList<EventResponse> Events);

/// <summary>A page of the audit log.</summary>
public sealed record EventPageResponse(string InventoryId, IReadOnlyList<EventResponse> Events, long? NextFromVersion);

/// <summary>The counts held (items with a count above zero), as of <see cref="Version"/>; <see cref="Parked"/> when the view is parked.</summary>
public sealed record InventoryResponse(
    string InventoryId,
    long Version,
    IReadOnlyDictionary<string, int> Items,
    DateTime UpdatedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] ParkedResponse? Parked = null);

/// <summary>Items by total quantity ever added, most first; <see cref="Parked"/> when the view is parked.</summary>
public sealed record MostCollectedResponse(
    string InventoryId,
    long Version,
    IReadOnlyList<Projections.CollectedItem> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] ParkedResponse? Parked = null);

/// <summary>The projector stopped applying this inventory's events at the view's version: when, and why.</summary>
public sealed record ParkedResponse(DateTime At, string Reason)
{
    public static ParkedResponse? From(Projections.Parking? parked) =>
        parked is null ? null : new ParkedResponse(parked.At.UtcDateTime, parked.Reason);
}

/// <summary>The state at a past version or instant; <see cref="AsOf"/> echoes the instant asked for.</summary>
public sealed record StateResponse(
    string InventoryId,
    long Version,
    IReadOnlyDictionary<string, int> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] DateTime? AsOf);

/// <summary>A view recomputed from the log.</summary>
public sealed record RebuiltViewResponse(string InventoryId, long Version, IReadOnlyDictionary<string, int> Items, IReadOnlyList<Projections.CollectedItem> Collected, DateTime UpdatedAt);

/// <summary>How many inventory views a full rebuild recomputed, and which it could not (corrupt log, contention).</summary>
public sealed record RebuildAllResponse(int Rebuilt, IReadOnlyList<string> Failed);
