namespace InventoryFunctions.Application;

/// <summary>
/// Runs the commands for one inventory one at a time in this process, in arrival order (a queue per inventory),
/// so that writers on one instance never race each other for the inventory's head and never give up for it.
/// Races across instances remain, and are settled by the store's etag check and a retry.
/// </summary>
/// <remarks>Holds nothing for an inventory with no command waiting or running.</remarks>
public sealed class InventoryCommandQueue
{
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="work"/> once every command queued before it for <paramref name="inventoryId"/> is done.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting; <paramref name="work"/> did not run.</exception>
    public async Task<T> RunAsync<T>(string inventoryId, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        Lane lane;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(inventoryId, out lane!))
                _lanes[inventoryId] = lane = new Lane();
            lane.Users++;
        }

        try
        {
            // SemaphoreSlim queues its asynchronous waiters first in, first out.
            await lane.Turn.WaitAsync(cancellationToken);
            try
            {
                return await work();
            }
            finally
            {
                lane.Turn.Release();
            }
        }
        finally
        {
            lock (_lanes)
            {
                if (--lane.Users == 0)
                {
                    _lanes.Remove(inventoryId);
                    lane.Turn.Dispose();
                }
            }
        }
    }

    /// <summary>How many inventories have a command waiting or running (for tests and diagnostics).</summary>
    public int ActiveInventories
    {
        get
        {
            lock (_lanes)
            {
                return _lanes.Count;
            }
        }
    }

    private sealed class Lane
    {
        public SemaphoreSlim Turn { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
