using System.ComponentModel.DataAnnotations;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions;

/// <summary>
/// The operations settings (health, rebuild jobs), bound from the flat app settings named in <see cref="AppSettings"/>
/// and checked at start (see <see cref="SettingsValidation"/>); the projections take them as plain records.
/// </summary>
public sealed class OperationsOptions
{
    /// <summary>Inventories per page of a rebuild-all job: one queue message and one invocation each.</summary>
    [Range(1, RebuildJobOptions.MaxPageSize), ConfigurationKeyName(AppSettings.RebuildPageSize)]
    public int RebuildPageSize { get; set; } = RebuildJobOptions.DefaultPageSize;

    [Range(1d, long.MaxValue), ConfigurationKeyName(AppSettings.ProjectionLagThreshold)]
    public long ProjectionLagThreshold { get; set; } = HealthPolicy.Default.LagThreshold;

    // Up to an hour: a longer reuse would hide an outage from every probe for longer than anyone would want.
    [Range(0d, 3600d), ConfigurationKeyName(AppSettings.HealthCacheSeconds)]
    public double HealthCacheSeconds { get; set; } = HealthPolicy.Default.CacheFor.TotalSeconds;

    // At least one run of the status timer (every minute by default) must fit in it, or health would always say stale.
    [Range(1d, 24d * 60), ConfigurationKeyName(AppSettings.ProjectionStatusStaleMinutes)]
    public double ProjectionStatusStaleMinutes { get; set; } = HealthPolicy.Default.StaleAfter.TotalMinutes;

    public RebuildJobOptions RebuildJobs => new(RebuildPageSize);

    public HealthPolicy Health => HealthPolicy.Default with
    {
        LagThreshold = ProjectionLagThreshold,
        CacheFor = TimeSpan.FromSeconds(HealthCacheSeconds),
        StaleAfter = TimeSpan.FromMinutes(ProjectionStatusStaleMinutes),
    };
}
