using System.Globalization;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>
/// Parked inventories: one cross-partition query of the projections container for inventory views with a
/// <c>parked</c> field (only the fields it needs). Parked views are rare, so it reads them all to count them.
/// </summary>
public sealed class CosmosParkedInventories(CosmosClient client, IOptions<CosmosOptions> options) : IParkedInventories
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);

    public async Task<ParkedSummary> SummarizeAsync(int listed, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.inventoryId, c.version, c.parked FROM c WHERE c.id = @view AND IS_DEFINED(c.parked)")
            .WithParameter("@view", ProjectionDocument.Id);
        var count = 0;
        var first = new List<ParkedInventory>();
        await foreach (var view in _projections.QueryDocumentsAsync(query, cancellationToken))
        {
            count++;
            if (first.Count < listed)
            {
                var parked = view.GetProperty("parked");
                first.Add(new ParkedInventory(view.GetProperty("inventoryId").GetString()!, view.GetProperty("version").GetInt64(),
                    parked.GetProperty("reason").GetString()!,
                    DateTimeOffset.Parse(parked.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)));
            }
        }
        return new ParkedSummary(count, [.. first.OrderBy(p => p.ParkedAt)]);
    }
}
