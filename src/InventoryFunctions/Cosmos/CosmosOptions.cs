using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Cosmos;

/// <summary>Where the app's data lives. Bound from the flat app settings named in <see cref="AppSettings"/>.</summary>
public sealed class CosmosOptions
{
    [Required, ConfigurationKeyName(AppSettings.DatabaseName)]
    public string DatabaseName { get; set; } = "inventory";

    [Required, ConfigurationKeyName(AppSettings.EventsContainerName)]
    public string EventsContainerName { get; set; } = "events";

    [Required, ConfigurationKeyName(AppSettings.ProjectionsContainerName)]
    public string ProjectionsContainerName { get; set; } = "projections";

    [Required, ConfigurationKeyName(AppSettings.LeasesContainerName)]
    public string LeasesContainerName { get; set; } = "leases";
}
