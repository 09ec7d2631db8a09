namespace InventoryFunctions.Tests;

public class TelemetryTests
{
    [Theory]
    [InlineData("Authorization=AAD", "")]
    [InlineData("Authorization=AAD;ClientId=1234", "1234")]
    [InlineData(" authorization = aad ; clientid = abc ", "abc")]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("Authorization=Key", null)]
    public void The_Application_Insights_authentication_string_selects_the_managed_identity(string? authentication, string? clientId)
    {
        Assert.Equal(clientId, Telemetry.EntraClientId(authentication));
    }
}
