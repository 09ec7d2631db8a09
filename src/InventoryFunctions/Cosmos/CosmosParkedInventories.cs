using System.Globalization;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Parked inventories: one cross-partition query of the projections container for documents with a <c>parked.at</c>
/// (only the fields it needs; the published status document has a <c>parked</c> summary of its own): inventory views,
/// dwell-time views and global most-collected watermarks, each parked by its own projection
/// (<see cref="Documents.ParkingFields"/>). Parked documents are rare, so it reads them all to count them.
/// </summary>
public sealed class CosmosParkedInventories(CosmosClient client, IOptions<CosmosOptions> options) : IParkedInventories
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<ParkedSummary> SummarizeAsync(int listed, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.id, c.kind, c.inventoryId, c.version, c.parked FROM c WHERE IS_DEFINED(c.parked.at)");
        var byInventory = new Dictionary<string, List<(string Projection, long Version, string Reason, DateTimeOffset At)>>(StringComparer.Ordinal);
        await foreach (var document in _projections.QueryDocumentsAsync(query, cancellationToken))
        {
            // A watermark's partition is its shard's; its id names the inventory.
            var id = document.GetProperty("id").GetString()!;
            var isWatermark = document.TryGetProperty("kind", out var kind) && kind.GetString() == GlobalCollectedDocuments.WatermarkKind;
            var inventoryId = isWatermark ? GlobalCollectedDocuments.InventoryOfWatermark(id) : document.GetProperty("inventoryId").GetString()!;
            var projection = isWatermark ? ParkedInventory.GlobalMostCollected : id == DwellTimeDocument.DocumentId ? ParkedInventory.DwellTime : ParkedInventory.InventoryView;
            var parked = document.GetProperty("parked");
            var at = DateTimeOffset.Parse(parked.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            if (!byInventory.TryGetValue(inventoryId, out var projections))
                byInventory[inventoryId] = projections = [];
            projections.Add((projection, document.GetProperty("version").GetInt64(), parked.GetProperty("reason").GetString()!, at));
        }
        var first = byInventory
            .Select(p => (InventoryId: p.Key, Earliest: p.Value.MinBy(x => x.At), Names: p.Value.Select(x => x.Projection).Order(StringComparer.Ordinal).ToList()))
            .OrderBy(p => p.Earliest.At)
            .Take(listed)
            .Select(p => new ParkedInventory(p.InventoryId, p.Earliest.Version, p.Earliest.Reason, p.Earliest.At, p.Names));
        return new ParkedSummary(byInventory.Count, [.. first]);
    }
}
