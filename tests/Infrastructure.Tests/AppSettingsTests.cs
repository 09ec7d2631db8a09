using System.Reflection;
using System.Text.Json.Nodes;
using InventoryFunctions;

namespace Infrastructure.Tests;

/// <summary>
/// Every setting the code reads (the constants in <see cref="AppSettings"/>) must have a value both in
/// Azure and in <c>local.settings.sample.json</c>; a missing one only fails at run time otherwise.
/// </summary>
[Collection(TemplateTestGroup.Name)]
public sealed class AppSettingsTests(InfrastructureTemplate template)
{
    // Sample settings with no Azure counterpart: on Flex Consumption the runtime comes from
    // functionAppConfig.runtime instead.
    private static readonly string[] LocalOnlySettings = ["FUNCTIONS_WORKER_RUNTIME"];

    public static TheoryData<string> SettingsTheCodeReads()
    {
        var data = new TheoryData<string>();
        foreach (var name in SettingNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void The_code_declares_the_settings_it_reads()
    {
        Assert.Contains(AppSettings.CosmosConnection, SettingNames());
        Assert.True(SettingNames().Count >= 5, string.Join(", ", SettingNames()));
    }

    [Theory]
    [MemberData(nameof(SettingsTheCodeReads))]
    public void A_setting_the_code_reads_is_configured_in_Azure(string name)
    {
        var configured = template.Default.AppSettings
            .Where(setting => setting.Key == name || setting.Key.StartsWith(name + "__", StringComparison.Ordinal))
            .ToList();

        Assert.True(configured.Count > 0, $"infra/main.bicep sets no app setting {name} or {name}__*.");
        Assert.All(configured, setting => Assert.False(string.IsNullOrWhiteSpace(setting.Value), $"{setting.Key} is empty"));
    }

    [Theory]
    [MemberData(nameof(SettingsTheCodeReads))]
    public void A_setting_the_code_reads_has_a_value_in_the_local_settings_sample(string name)
    {
        var values = LocalSampleValues();

        Assert.True(values.TryGetValue(name, out var value), $"local.settings.sample.json has no Values.{name}.");
        Assert.False(string.IsNullOrWhiteSpace(value), $"Values.{name} is empty.");
    }

    [Fact]
    public void Every_app_setting_in_the_local_sample_is_configured_in_Azure_too()
    {
        var azure = template.Default.AppSettings;
        var missing = LocalSampleValues().Keys
            .Except(LocalOnlySettings)
            .Where(name => !azure.Keys.Any(key => key == name || key.StartsWith(name + "__", StringComparison.Ordinal)))
            .ToList();

        Assert.True(missing.Count == 0, $"Set in local.settings.sample.json but not in infra/main.bicep: {string.Join(", ", missing)}");
    }

    private static List<string> SettingNames() =>
        typeof(AppSettings).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToList();

    private static Dictionary<string, string> LocalSampleValues()
    {
        var sample = JsonNode.Parse(File.ReadAllText(RepositoryPaths.PathOf("local.settings.sample.json")))!;
        return sample["Values"]!.AsObject().ToDictionary(value => value.Key, value => Snapshot.Text(value.Value));
    }
}
