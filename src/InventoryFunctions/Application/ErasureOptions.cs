using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Application;

/// <summary>How erasures run, bound from the app settings of the same names and checked at start.</summary>
public sealed class ErasureOptions
{
    /// <summary>
    /// The secret key of the keyed hash (HMAC-SHA256) that names an erasure by its inventory id without storing the id:
    /// at least 32 characters. Changing it forgets which ids were erased (they could be re-created): keep it.
    /// </summary>
    [Required, MinLength(32), ConfigurationKeyName(nameof(ErasureHashKey))]
    public string ErasureHashKey { get; set; } = "";

    /// <summary>Delete a partition with Cosmos DB's delete-by-partition-key (the account capability <c>DeleteAllItemsByPartitionKey</c>); otherwise in batches.</summary>
    [ConfigurationKeyName(nameof(ErasureDeleteByPartitionKey))]
    public bool ErasureDeleteByPartitionKey { get; set; }

    /// <summary>Days a completed erasure's receipt is kept; while it is, the id stays refused.</summary>
    [Range(1, 3650), ConfigurationKeyName(nameof(ErasureReceiptDays))]
    public int ErasureReceiptDays { get; set; } = 30;

    /// <summary>Pause between two delete batches of one erasure (milliseconds), so that it never crowds out commands.</summary>
    [Range(0, 10_000), ConfigurationKeyName(nameof(ErasureThrottleMs))]
    public int ErasureThrottleMs { get; set; } = 20;

    public string Path => ErasureDeleteByPartitionKey ? ErasureJob.PartitionKeyPath : ErasureJob.BatchedPath;

    /// <summary>The job id of <paramref name="inventoryId"/>'s erasure: the first 128 bits of its keyed hash, in hex.</summary>
    public string JobIdFor(string inventoryId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ErasureHashKey), Encoding.UTF8.GetBytes("inventory:" + inventoryId)))[..32];

    /// <summary>What other inventories' documents name instead of the erased id: <c>$</c> is not allowed in an inventory id, so it never names one.</summary>
    public static string PseudonymFor(string jobId) => "$erased-" + jobId[..16];
}
