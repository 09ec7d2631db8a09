using InventoryFunctions.Testing;
using Xunit.Sdk;

namespace InventoryFunctions.Tests.Testing;

/// <summary>The tests' one waiting helper: it returns the first value awaited, and a time-out says what and what was last seen.</summary>
public sealed class EventuallyTests
{
    [Fact]
    public async Task It_returns_the_first_value_that_is_awaited_and_polls_no_more()
    {
        var probes = 0;

        var value = await Eventually.UntilAsync("the third probe", () => ++probes, n => n >= 3, every: TimeSpan.FromMilliseconds(1));

        Assert.Equal((3, 3), (value, probes));
    }

    [Fact]
    public async Task A_time_out_names_what_was_awaited_the_wait_and_the_last_value_seen()
    {
        var probes = 0;

        var failure = await Assert.ThrowsAsync<FailException>(() =>
            Eventually.UntilAsync("the view at version 9", () => Task.FromResult(++probes), n => n > 1000,
                TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(20), detail: () => "the host logged nothing"));

        Assert.StartsWith("Waited 0.2 s for the view at version 9; the last value seen: " + probes + "\nthe host logged nothing", failure.Message);
        Assert.InRange(probes, 2, 20);
    }

    [Fact]
    public async Task A_probe_that_throws_stops_the_wait_with_its_exception()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Eventually.UntilAsync("a server that exited", new Func<bool>(() => throw new InvalidOperationException("exited with 1"))));

        Assert.Equal("exited with 1", failure.Message);
    }
}
