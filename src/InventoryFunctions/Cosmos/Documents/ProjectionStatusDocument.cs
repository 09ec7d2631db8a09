using System.Text.Json;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The published projection status: one small document in the projections container, id <see cref="Id"/> in the
/// partition <see cref="Partition"/> (no inventory can have it: <c>$</c> is not allowed in an inventory id). Overwritten
/// by the status timer every minute; read by every health check with one point read.
/// </summary>
public static class ProjectionStatusDocument
{
    public const string Id = "status";
    public const string Partition = "$projection-status";
    public const string Kind = "projection-status";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] Encode(ProjectionStatus status) => JsonSerializer.SerializeToUtf8Bytes(
        new Stored(Id, Partition, Kind, status.Feeds, status.PoisonMessages, status.Parked, status.At, status.StuckTransfers), Json);

    /// <summary>The stored status; the dependencies are those of the moment it was computed (Cosmos DB answered, or it would not be stored).</summary>
    public static ProjectionStatus Decode(JsonElement document)
    {
        var stored = document.Deserialize<Stored>(Json) ?? throw new InvalidDataException("The projection status document is empty.");
        return new ProjectionStatus(stored.Feeds, stored.PoisonMessages, stored.Parked, DependencyState.Ok, DependencyState.Ok, stored.At, stored.StuckTransfers);
    }

    private sealed record Stored(
        string Id, string InventoryId, string Kind, IReadOnlyList<FeedLag>? Feeds, int? PoisonMessages, ParkedSummary? Parked, DateTimeOffset At,
        int? StuckTransfers = null);
}
