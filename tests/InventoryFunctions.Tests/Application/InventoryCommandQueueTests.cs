using InventoryFunctions.Application;

namespace InventoryFunctions.Tests.Application;

public sealed class InventoryCommandQueueTests
{
    [Fact]
    public async Task Commands_for_one_inventory_run_one_at_a_time_in_arrival_order()
    {
        var queue = new InventoryCommandQueue();
        var first = new TaskCompletionSource();
        var order = new List<int>();
        var running = 0;
        var overlapped = false;

        async Task<int> Command(int n)
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            if (n == 0)
                await first.Task;
            else
                await Task.Yield();
            lock (order)
                order.Add(n);
            Interlocked.Decrement(ref running);
            return n;
        }

        var commands = Enumerable.Range(0, 20).Select(n => queue.RunAsync("inv", () => Command(n), CancellationToken.None)).ToList();
        first.SetResult();
        await Task.WhenAll(commands);

        Assert.False(overlapped);
        Assert.Equal(Enumerable.Range(0, 20), order);
        Assert.Equal(0, queue.ActiveInventories);
    }

    [Fact]
    public async Task Commands_for_different_inventories_do_not_wait_for_each_other()
    {
        var queue = new InventoryCommandQueue();
        var blocked = new TaskCompletionSource<int>();

        var stuck = queue.RunAsync("a", () => blocked.Task, CancellationToken.None);
        var other = await queue.RunAsync("b", () => Task.FromResult(2), CancellationToken.None);

        Assert.Equal(2, other);
        Assert.False(stuck.IsCompleted);
        Assert.Equal(1, queue.ActiveInventories);
        blocked.SetResult(1);
        Assert.Equal(1, await stuck);
    }

    [Fact]
    public async Task A_failing_command_lets_the_next_one_run()
    {
        var queue = new InventoryCommandQueue();

        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.RunAsync<int>("a", () => throw new InvalidOperationException(), CancellationToken.None));

        Assert.Equal(3, await queue.RunAsync("a", () => Task.FromResult(3), CancellationToken.None));
    }

    [Fact]
    public async Task A_command_cancelled_while_waiting_never_runs()
    {
        var queue = new InventoryCommandQueue();
        var blocked = new TaskCompletionSource<int>();
        using var cancel = new CancellationTokenSource();
        var ran = false;

        var first = queue.RunAsync("a", () => blocked.Task, CancellationToken.None);
        var waiting = queue.RunAsync("a", () => { ran = true; return Task.FromResult(0); }, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        blocked.SetResult(1);
        await first;
        Assert.False(ran);
        Assert.Equal(0, queue.ActiveInventories);
    }
}
