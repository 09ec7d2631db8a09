using InventoryFunctions.Domain;

namespace InventoryFunctions.Http;

/// <summary>
/// An event as the API shows it. <c>OccurredAt</c> is a UTC <see cref="DateTime"/> so it serializes with 'Z'; a transfer
/// leg also names its <see cref="TransferId"/> and <see cref="Counterparty"/> (left out for adds and removes).
/// </summary>
public sealed record EventResponse(long Version, string Type, string ItemId, int Quantity, DateTime OccurredAt, ActorResponse Actor,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? TransferId = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Counterparty = null)
{
    public static EventResponse From(RecordedEvent recorded)
        => new(recorded.Version, EventTypes.NameOf(recorded.Event), recorded.Event.ItemId, recorded.Event.Quantity, recorded.OccurredAt.UtcDateTime,
            ActorResponse.From(recorded.Actor), (recorded.Event as TransferEvent)?.TransferId, (recorded.Event as TransferEvent)?.Counterparty);
}

/// <summary>A transfer as the API shows it (<c>GET …/transfers/{transferId}</c>, and the 202 of its POST).</summary>
public sealed record TransferResponse(string TransferId, string From, string To, IReadOnlyList<TransferLine> Items, string State, string? Reason,
    DateTime CreatedAt, DateTime? CompletedAt)
{
    public static TransferResponse Of(Application.TransferRecord t) =>
        new(t.TransferId, t.From, t.To, t.Items, t.State, t.Reason, t.CreatedAt.UtcDateTime, t.CompletedAt?.UtcDateTime);
}

/// <summary>Who caused an event: <c>kind</c> player, server, support, admin or system, or <c>unknown</c> (no id) for events recorded before actors were.</summary>
public sealed record ActorResponse(string Kind, string? Id, string? AppId)
{
    public const string UnknownKind = "unknown";

    public static ActorResponse From(Actor? actor) =>
        actor is null ? new(UnknownKind, null, null) : new(Actor.NameOf(actor.Kind), actor.Id, actor.AppId);
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
/// <summary>A rebuild-all job: where it is (<c>status</c>: the URL to poll) and what it has done so far.</summary>
public sealed record RebuildJobResponse(
    string JobId, string Status, string State, int PageSize, int PagesDone, int InventoriesRebuilt, int InventoriesFailed,
    IReadOnlyList<string> FailedInventories, DateTime CreatedAt, DateTime? StartedAt, DateTime UpdatedAt, DateTime? CompletedAt, string? Error)
{
    /// <summary>The job's status route (relative to the host, with the default route prefix).</summary>
    public static string StatusPath(string jobId) => $"/api/projections/rebuild/{jobId}";

    public static RebuildJobResponse From(Projections.RebuildJob job) => new(
        job.JobId, StatusPath(job.JobId), job.State.ToString().ToLowerInvariant(), job.PageSize, job.PagesDone, job.Rebuilt, job.Failed,
        job.FailedInventories, job.CreatedAt.UtcDateTime, job.StartedAt?.UtcDateTime, job.UpdatedAt.UtcDateTime, job.CompletedAt?.UtcDateTime, job.Error);
}

/// <summary>A state as a replay shows it.</summary>
public sealed record ReplayState(long Version, IReadOnlyDictionary<string, int> Items);

/// <summary>
/// One event of a replay and the state right after it; <see cref="Count"/> is the changed item's count then; a transfer
/// leg also names its transfer and the other inventory, as in the audit log.
/// </summary>
public sealed record ReplayEntry(long Version, DateTime OccurredAt, string Type, string ItemId, int Quantity, int Count, IReadOnlyDictionary<string, int> Items,
    ActorResponse Actor,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? TransferId = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Counterparty = null);

/// <summary>
/// A page of a replay: <see cref="Start"/> is the state before the first event; <see cref="ToVersion"/> the last version
/// answered; <see cref="NextFromVersion"/> where the range asked for goes on (null: done); <see cref="ReachedEnd"/>
/// whether the page ends at the end of the log (a range asked past the end is clipped there).
/// </summary>
public sealed record ReplayResponse(string InventoryId, long FromVersion, long ToVersion, ReplayState Start, IReadOnlyList<ReplayEntry> Events,
    long? NextFromVersion, bool ReachedEnd)
{
    public static ReplayResponse From(string inventoryId, Application.ReplayPage page) => new(
        inventoryId,
        page.Start.Version + 1,
        page.Steps.Count > 0 ? page.Steps[^1].State.Version : page.Start.Version,
        new ReplayState(page.Start.Version, page.Start.Items),
        [.. page.Steps.Select(step => new ReplayEntry(step.Event.Version, step.Event.OccurredAt.UtcDateTime, EventTypes.NameOf(step.Event.Event),
            step.Event.Event.ItemId, step.Event.Event.Quantity, step.State.QuantityOf(step.Event.Event.ItemId), step.State.Items,
            ActorResponse.From(step.Event.Actor), (step.Event.Event as TransferEvent)?.TransferId, (step.Event.Event as TransferEvent)?.Counterparty))],
        page.NextFromVersion,
        page.ReachedEnd);
}

/// <summary>Dwell statistics as the API shows them (<see cref="ItemId"/> is left out over all items); ages are measured at <c>asOf</c>.</summary>
public sealed record DwellStatisticsResponse(
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ItemId,
    long Removed, double? MeanSeconds, double? MedianSeconds, double? P90Seconds, long Held, DateTime? OldestHeldSince, double? OldestHeldAgeSeconds)
{
    public static DwellStatisticsResponse From(string? itemId, Projections.DwellStatistics statistics, DateTimeOffset now) =>
        new(itemId, statistics.Removed, statistics.MeanSeconds, statistics.MedianSeconds, statistics.P90Seconds, statistics.Held,
            statistics.OldestHeldSince?.UtcDateTime,
            statistics.OldestHeldSince is { } since ? Math.Max(0, (now - since).TotalSeconds) : null);
}

/// <summary>
/// One page of an inventory's dwell times: the items of some of its parts (in part order, by item id within a part),
/// the statistics over all items, and <see cref="NextPage"/> (the <c>page</c> to ask for next; absent on the last page).
/// </summary>
public sealed record DwellTimeResponse(string InventoryId, long Version, DateTime AsOf, IReadOnlyList<DwellStatisticsResponse> Items, DwellStatisticsResponse All,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] ParkedResponse? Parked,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? NextPage = null)
{
    public static DwellTimeResponse From(Projections.DwellPage page, DateTimeOffset now) => new(
        page.View.InventoryId, page.View.Version, now.UtcDateTime,
        [.. page.Items.Select(item => DwellStatisticsResponse.From(item.ItemId, Projections.DwellStatistics.Of(item), now))],
        DwellStatisticsResponse.From(null, Projections.DwellStatistics.Of(page.View), now),
        ParkedResponse.From(page.View.Parked),
        page.NextPage);
}

/// <summary>Items by total units ever added across all inventories, most first.</summary>
public sealed record GlobalMostCollectedResponse(IReadOnlyList<Projections.CollectedItem> Items);
