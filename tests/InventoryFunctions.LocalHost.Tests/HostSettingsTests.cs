namespace InventoryFunctions.LocalHost.Tests;

/// <summary>The local host's own settings: one that is set must be what it says, or the host does not start.</summary>
public sealed class HostSettingsTests
{
    private static HostSettings With(string name, string? value) =>
        HostSettings.Load(Path.GetTempPath(), new Dictionary<string, string?> { [name] = value });

    [Fact]
    public void A_positive_integer_setting_reads_as_set_and_unset_as_null()
    {
        Assert.Equal(200, With("LocalHost:FeedPollDelayMs", "200").PositiveInteger("LocalHost:FeedPollDelayMs"));
        Assert.Null(With("LocalHost:FeedPollDelayMs", null).PositiveInteger("LocalHost:FeedPollDelayMs"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("1.5")]
    public void A_positive_integer_setting_with_another_value_is_refused_naming_it(string value)
    {
        var failure = Assert.Throws<InvalidOperationException>(() => With("LocalHost:QueueMessageLeaseSeconds", value).PositiveInteger("LocalHost:QueueMessageLeaseSeconds"));

        Assert.Equal($"The setting 'LocalHost:QueueMessageLeaseSeconds' must be a positive integer, not '{value}'.", failure.Message);
    }
}
