using System.Reflection;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using InventoryFunctions.Operations;

namespace InventoryFunctions.Tests.Settings;

/// <summary>
/// Every setting the app binds is checked when it starts (the host runs <see cref="IStartupValidator"/> before any
/// function): a wrong value stops the app with the setting's name instead of being clamped or ignored.
/// </summary>
public sealed class SettingsValidationTests
{
    [Fact]
    public void The_sample_settings_start_the_app()
    {
        using var services = AppWith([]);

        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData(AppSettings.RebuildPageSize, "0")]
    [InlineData(AppSettings.RebuildPageSize, "5000")]
    [InlineData(AppSettings.SnapshotInterval, "1")]
    [InlineData(AppSettings.ProjectionLagThreshold, "0")]
    [InlineData(AppSettings.HealthCacheSeconds, "-1")]
    [InlineData(AppSettings.ProjectionStatusStaleMinutes, "0")]
    [InlineData(AppSettings.PoisonQueueName, "Projection_Poison")]
    [InlineData(AppSettings.RebuildQueueName, "ab")]
    [InlineData(AppSettings.AuthIssuer, "not a url")]
    [InlineData(AppSettings.AuthAudience, "")]
    [InlineData(AppSettings.AuthClockSkewSeconds, "301")]
    [InlineData(AppSettings.DatabaseName, "")]
    [InlineData(Telemetry.ExporterSetting, "zipkin")]
    public void A_value_out_of_its_rules_stops_the_app_naming_the_setting_and_the_value(string setting, string value) =>
        Assert.Contains($"App setting '{setting}' ('{value}') is invalid", StartFailure<OptionsValidationException>(setting, value));

    [Theory]
    [InlineData(AppSettings.SnapshotInterval, "every hundred")]
    [InlineData(AppSettings.HealthCacheSeconds, "5s")]
    [InlineData(AppSettings.AllowPlayerTransfers, "yes")]
    public void A_value_of_the_wrong_type_stops_the_app_naming_the_setting(string setting, string value) =>
        Assert.Contains($"'{setting}'", StartFailure<InvalidOperationException>(setting, value));

    /// <summary>The message the app stops with at start when <paramref name="setting"/> is <paramref name="value"/>.</summary>
    private static string StartFailure<TException>(string setting, string value) where TException : Exception
    {
        using var services = AppWith(new() { [setting] = value });
        return Assert.Throws<TException>(() => services.GetRequiredService<IStartupValidator>().Validate()).Message;
    }

    [Fact]
    public void Values_inside_the_rules_reach_the_projections_as_set_not_clamped()
    {
        using var services = AppWith(new()
        {
            [AppSettings.RebuildPageSize] = "1000",
            [AppSettings.HealthCacheSeconds] = "0",
            [AppSettings.ProjectionLagThreshold] = "25",
            [AppSettings.ProjectionStatusStaleMinutes] = "2.5",
        });
        services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(1000, services.GetRequiredService<RebuildJobOptions>().PageSize);
        var health = services.GetRequiredService<HealthPolicy>();
        Assert.Equal((25L, TimeSpan.Zero, TimeSpan.FromSeconds(150)), (health.LagThreshold, health.CacheFor, health.StaleAfter));
    }

    [Fact]
    public void Every_setting_the_app_reads_is_bound_to_an_options_class_but_connections_and_trigger_schedules()
    {
        // Connections fail the first call that needs them (health names the dependency); schedules are the host's to read.
        string[] notBound = [AppSettings.CosmosConnection, AppSettings.PoisonQueueConnection, AppSettings.ProjectionStatusSchedule, AppSettings.TransferRecoverySchedule];
        var bound = typeof(AppSettings).Assembly.GetTypes()
            .SelectMany(t => t.GetProperties())
            .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
            .OfType<string>()
            .ToHashSet();
        var declared = typeof(AppSettings).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!);

        Assert.Empty(declared.Except(notBound).Except(bound));
    }

    /// <summary>The app's registrations over local.settings.sample.json's values, with <paramref name="overrides"/> on top.</summary>
    private static ServiceProvider AppWith(Dictionary<string, string?> overrides)
    {
        var sample = RepositoryPaths.SampleAppSettings().ToDictionary(s => s.Key, s => (string?)s.Value);
        foreach (var (name, value) in overrides)
            sample[name] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(sample).Build();
        return new ServiceCollection().AddLogging().AddInventory(configuration).BuildServiceProvider();
    }
}
