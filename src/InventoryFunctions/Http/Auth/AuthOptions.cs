using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Http.Auth;

/// <summary>Which tokens the app accepts. Bound from the flat app settings named in <see cref="AppSettings"/>, checked at start.</summary>
public sealed class AuthOptions
{
    public const int MaxClockSkewSeconds = 300;

    [Required, Url, ConfigurationKeyName(AppSettings.AuthIssuer)]
    public string Issuer { get; set; } = "";

    [Required, ConfigurationKeyName(AppSettings.AuthAudience)]
    public string Audience { get; set; } = "";

    [Required, ConfigurationKeyName(AppSettings.AuthPlayerIdClaim)]
    public string PlayerIdClaim { get; set; } = "sub";

    [Range(0, MaxClockSkewSeconds), ConfigurationKeyName(AppSettings.AuthClockSkewSeconds)]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>Whether a player may start a transfer out of its own inventory (a gift); servers always may.</summary>
    [ConfigurationKeyName(AppSettings.AllowPlayerTransfers)]
    public bool AllowPlayerTransfers { get; set; }
}
