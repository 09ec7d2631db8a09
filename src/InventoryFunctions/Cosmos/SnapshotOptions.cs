namespace InventoryFunctions.Cosmos;

/// <summary>How often snapshots are taken. Changing it never makes an answer wrong: readers find snapshots by query when the expected one is absent.</summary>
public sealed class SnapshotOptions
{
    [Microsoft.Extensions.Configuration.ConfigurationKeyName(AppSettings.SnapshotInterval)]
    // At least 2: a batch of 50 events with a snapshot after each would pass Cosmos DB's 100 operations per batch.
    [System.ComponentModel.DataAnnotations.Range(2, 100_000)]
    public int Interval { get; set; } = 100;
}
