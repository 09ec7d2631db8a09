using System.Globalization;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Parked inventories: one cross-partition query of the projections container for documents with a <c>parked</c> field
/// (only the fields it needs): inventory views, dwell-time views and global most-collected watermarks, each parked by
/// its own projection (<see cref="Documents.ParkingFields"/>). Parked documents are rare, so it reads them all to count them.
/// </summary>
public sealed class CosmosParkedInventories(CosmosClient client, IOptions<CosmosOptions> options) : IParkedInventories
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<ParkedSummary> SummarizeAsync(int listed, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.id, c.kind, c.inventoryId, c[\"of\"] AS owner, c.version, c.parked FROM c WHERE IS_DEFINED(c.parked)");
        var count = 0;
        var first = new List<ParkedInventory>();
        await foreach (var view in _projections.QueryDocumentsAsync(query, cancellationToken))
        {
            count++;
            if (first.Count < listed)
            {
                var parked = view.GetProperty("parked");
                // A watermark names its inventory in "of" (selected as "owner"; its partition is the shard's).
                var isWatermark = view.TryGetProperty("kind", out var kind) && kind.GetString() == GlobalCollectedDocuments.WatermarkKind;
                first.Add(new ParkedInventory(view.GetProperty(isWatermark ? "owner" : "inventoryId").GetString()!, view.GetProperty("version").GetInt64(),
                    parked.GetProperty("reason").GetString()!,
                    DateTimeOffset.Parse(parked.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                    isWatermark ? ParkedInventory.GlobalMostCollected
                    : view.GetProperty("id").GetString() == DwellTimeDocument.DocumentId ? ParkedInventory.DwellTime : ParkedInventory.InventoryView));
            }
        }
        return new ParkedSummary(count, [.. first.OrderBy(p => p.ParkedAt)]);
    }
}
