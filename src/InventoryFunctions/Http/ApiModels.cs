using InventoryFunctions.Domain;
using InventoryFunctions.Operations;

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

    public static RebuildJobResponse From(Operations.RebuildJob job) => new(
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
public sealed record HistoryReplayResponse(string InventoryId, long FromVersion, long ToVersion, ReplayState Start, IReadOnlyList<ReplayEntry> Events,
    long? NextFromVersion, bool ReachedEnd)
{
    public static HistoryReplayResponse From(string inventoryId, Application.ReplayPage page) => new(
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
    public static DwellTimeResponse From(Http.DwellPage page, DateTimeOffset now) => new(
        page.View.InventoryId, page.View.Version, now.UtcDateTime,
        [.. page.Items.Select(item => DwellStatisticsResponse.From(item.ItemId, Projections.DwellStatistics.Of(item), now))],
        DwellStatisticsResponse.From(null, Projections.DwellStatistics.Of(page.View), now),
        ParkedResponse.From(page.View.Parked),
        page.NextPage);
}

/// <summary>Items by total units ever added across all inventories, most first.</summary>
public sealed record GlobalMostCollectedResponse(IReadOnlyList<Projections.CollectedItem> Items);

// ---- Operations: health, projection status, poison queue ------------------------------------------------------------

/// <param name="LagDocuments">Per change-feed function, the estimated changes not processed yet (as published).</param>
/// <param name="OldestUnprojectedAgeSeconds">Per change-feed function behind, how long ago its oldest unprocessed change was written.</param>
/// <param name="StatusPublishedAt">When the status timer computed the projection numbers; null when it has not yet.</param>
public sealed record HealthResponse(
    string Status, IReadOnlyList<string> Reasons, string Cosmos, string Storage,
    IReadOnlyDictionary<string, long>? LagDocuments, IReadOnlyDictionary<string, double>? OldestUnprojectedAgeSeconds,
    int? PoisonMessages, int? ParkedInventories, DateTime CheckedAt, DateTime? StatusPublishedAt, int? StuckTransfers)
{
    /// <summary>The numbers of a healthy or degraded answer; an unhealthy one is a problem (see <c>HealthFunction</c>).</summary>
    public static HealthResponse From(Operations.HealthReport report)
    {
        var published = report.Published;
        return new(report.Status, report.Reasons, report.Cosmos.State, report.Storage.State,
            published?.Feeds?.ToDictionary(f => f.FunctionName, f => f.EstimatedDocuments),
            published?.Feeds?.Where(f => f.OldestUnprojectedAt is not null).ToDictionary(f => f.FunctionName, f => AgeSeconds(f.OldestUnprojectedAt, report.At)!.Value),
            report.PoisonMessages, published?.Parked?.Count, report.At.UtcDateTime, published?.At.UtcDateTime, published?.StuckTransfers);
    }

    /// <summary>Seconds from <paramref name="writtenAt"/> to <paramref name="now"/>, to a tenth; null when there is no instant.</summary>
    public static double? AgeSeconds(DateTimeOffset? writtenAt, DateTimeOffset now) =>
        writtenAt is { } at ? Math.Round((now - at).TotalSeconds, 1) : null;
}

/// <summary>The projection status computed live (<c>GET /api/projections/status</c>).</summary>
public sealed record StatusResponse(
    IReadOnlyList<FeedResponse>? Functions, int? PoisonMessages, Operations.ParkedSummary? Parked,
    Operations.DependencyState Cosmos, Operations.DependencyState Storage, DateTime At, int? StuckTransfers)
{
    public static StatusResponse From(Operations.ProjectionStatus status) => new(
        status.Feeds?.Select(f => FeedResponse.From(f, status.At)).ToList(),
        status.PoisonMessages, status.Parked, status.Cosmos, status.Storage, status.At.UtcDateTime, status.StuckTransfers);
}

public sealed record FeedResponse(string Function, string ProcessorName, long EstimatedDocuments, bool Started, double? OldestUnprojectedAgeSeconds, IReadOnlyList<LeaseResponse> Leases)
{
    public static FeedResponse From(Operations.FeedLag feed, DateTimeOffset at) => new(
        feed.FunctionName, feed.ProcessorName, feed.EstimatedDocuments, feed.Leases.Count > 0, HealthResponse.AgeSeconds(feed.OldestUnprojectedAt, at),
        [.. feed.Leases.Select(l => new LeaseResponse(l.LeaseToken, l.EstimatedDocuments, l.Owner, HealthResponse.AgeSeconds(l.OldestUnprojectedAt, at),
            HealthResponse.AgeSeconds(l.RenewedAt, at), feed.Unrenewed(at).Contains(l)))]);
}

/// <param name="OldestUnprojectedAgeSeconds">Seconds since the lease's oldest unprocessed change was written (its <c>_ts</c>, 1 s precision); null when caught up.</param>
/// <param name="RenewedAgeSeconds">Seconds since the lease document was last written (a renewal or a checkpoint; 1 s precision).</param>
/// <param name="Unrenewed">True when an owner holds the lease but has not renewed it within the lease expiration interval (it stopped).</param>
public sealed record LeaseResponse(string LeaseToken, long EstimatedDocuments, string? Owner, double? OldestUnprojectedAgeSeconds, double? RenewedAgeSeconds, bool Unrenewed);

/// <summary>The poison queue's first messages, peeked, with the approximate total.</summary>
public sealed record PoisonListResponse(int ApproximateCount, IReadOnlyList<PoisonMessageResponse> Messages);

/// <param name="Text">The raw text, only for a message that is not a poison message.</param>
public sealed record PoisonMessageResponse(
    string MessageId, string? DocumentId, string? InventoryId, long? Version, string? Reason, DateTime? DetectedAt,
    DateTime? InsertedAt, long DequeueCount, string? Text)
{
    public static PoisonMessageResponse From(Projections.QueuedPoison m) => new(
        m.MessageId, m.Message?.DocumentId, m.Message?.PartitionKey, m.Message?.Version, m.Message?.Reason, m.Message?.DetectedAt.UtcDateTime,
        m.InsertedAt?.UtcDateTime, m.DequeueCount, m.Message is null ? m.Text : null);
}

/// <summary>What a poison replay did: how many messages it replayed, and each message's outcome.</summary>
public sealed record PoisonReplayResponse(int Replayed, IReadOnlyList<ReplayedResponse> Messages)
{
    public static PoisonReplayResponse From(IReadOnlyList<Operations.ReplayedMessage> results) => new(
        results.Count(r => r.Outcome == Operations.ReplayOutcome.Replayed),
        [.. results.Select(r => new ReplayedResponse(r.MessageId, r.DocumentId, r.InventoryId, r.Version, Outcome(r.Outcome)))]);

    private static string Outcome(Operations.ReplayOutcome outcome) => outcome switch
    {
        Operations.ReplayOutcome.Replayed => "replayed",
        Operations.ReplayOutcome.StillUndecodable => "still-undecodable",
        Operations.ReplayOutcome.NotReplayable => "not-replayable",
        _ => "failed",
    };
}

public sealed record ReplayedResponse(string MessageId, string? DocumentId, string? InventoryId, long? Version, string Outcome);
