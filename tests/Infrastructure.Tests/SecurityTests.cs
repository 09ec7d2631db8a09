using System.Text.RegularExpressions;

namespace Infrastructure.Tests;

[Collection(TemplateTestGroup.Name)]
public sealed partial class SecurityTests(InfrastructureTemplate template)
{
    private Snapshot Snapshot => template.Default;

    [Fact]
    public void The_app_accepts_Entra_ID_v2_tokens_of_its_tenant_for_its_own_app_registration_only()
    {
        var settings = Snapshot.AppSettings;

        // The cloud's login endpoint (https://login.microsoftonline.com/ in the public cloud; the snapshot leaves
        // environment() to deployment time), one tenant (never "common"), the v2 endpoint.
        var issuer = settings[InventoryFunctions.AppSettings.AuthIssuer];
        Assert.StartsWith("[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, ", issuer, StringComparison.Ordinal);
        Assert.Contains(InfrastructureTemplate.TenantId, issuer, StringComparison.Ordinal);
        Assert.Equal(InfrastructureTemplate.ApiClientId, settings[InventoryFunctions.AppSettings.AuthAudience]);
    }

    [Fact]
    public void Cosmos_DB_accepts_only_Entra_ID_and_TLS_1_2()
    {
        var properties = Snapshot.Properties(Snapshot.CosmosAccount);

        Assert.True((bool)properties["disableLocalAuth"]!);
        Assert.True((bool)properties["disableKeyBasedMetadataWriteAccess"]!);
        Assert.Equal("Tls12", (string?)properties["minimalTlsVersion"]);
    }

    [Fact]
    public void Application_Insights_accepts_only_Entra_ID_and_is_workspace_based()
    {
        var properties = Snapshot.Properties(Snapshot.AppInsights);
        var workspace = Snapshot.One("Microsoft.OperationalInsights/workspaces");

        Assert.True((bool)properties["DisableLocalAuth"]!);
        Assert.Equal(Snapshot.Id(workspace), (string?)properties["WorkspaceResourceId"]);
    }

    [Fact]
    public void Storage_forbids_shared_keys_public_blobs_and_plain_HTTP()
    {
        var storage = Snapshot.StorageAccount;
        var properties = Snapshot.Properties(storage);

        Assert.Equal("StorageV2", (string?)storage["kind"]);
        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
        Assert.All(
            Snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"),
            container => Assert.Equal("None", (string?)container["properties"]?["publicAccess"]));
    }

    [Fact]
    public void Function_app_serves_HTTPS_only_with_TLS_1_2_and_has_no_publishing_passwords()
    {
        var properties = Snapshot.Properties(Snapshot.FunctionApp);

        Assert.True((bool)properties["httpsOnly"]!);
        Assert.Equal("1.2", (string?)properties["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("Disabled", (string?)properties["siteConfig"]!["ftpsState"]);

        var policies = Snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(["ftp", "scm"], policies.Select(policy => Snapshot.Name(policy).Split('/')[^1]).Order());
        Assert.All(policies, policy => Assert.False((bool)policy["properties"]!["allow"]!));
    }

    [Fact]
    public void No_app_setting_carries_a_key_or_a_connection_string()
    {
        foreach (var (name, value) in Snapshot.AppSettings)
        {
            Assert.False(KeyMaterial().IsMatch(value), $"App setting {name} looks like it carries a key: {value}");

            // The only connection string is Application Insights': instrumentation key and ingestion
            // endpoint, which identify the resource and are not secrets (ingestion needs an Entra token).
            if (value.Contains("connectionstring", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Equal("APPLICATIONINSIGHTS_CONNECTION_STRING", name);
                Assert.Contains(Snapshot.Id(Snapshot.AppInsights), value, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void No_output_carries_a_key_or_a_connection_string()
    {
        Assert.All(Snapshot.Outputs, output =>
        {
            Assert.DoesNotMatch(KeyMaterial(), output.Value);
            Assert.DoesNotContain("connectionstring", output.Value, StringComparison.OrdinalIgnoreCase);
        });
        Assert.DoesNotContain("secure", template.CompiledTemplate["outputs"]!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Compiled_template_never_lists_keys_or_builds_a_key_based_connection_string()
    {
        Assert.DoesNotMatch(KeyMaterial(), template.CompiledTemplateText);
    }

    // listKeys(...) and friends read account keys at deployment time; the rest are what a key-based
    // connection string or SAS would contain.
    [GeneratedRegex(
        @"list(Keys|ConnectionStrings|AccountSas|ServiceSas|ReadOnlyKeys)\b|AccountKey=|SharedAccessKey|SharedAccessSignature|SharedAccessKeyName|primaryMasterKey|primaryReadonlyMasterKey|\.keys\b|sig=",
        RegexOptions.IgnoreCase)]
    private static partial Regex KeyMaterial();
}
