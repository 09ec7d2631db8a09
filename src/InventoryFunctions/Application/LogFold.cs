using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>Folding events as read from the log, where a break in the sequence means the log is damaged.</summary>
public static class LogFold
{
    /// <summary>Applies <paramref name="e"/>, the next event read from <paramref name="inventoryId"/>'s log.</summary>
    /// <exception cref="CorruptEventException">The log jumps (see <see cref="Inventory.IsNext"/>): nothing can be folded past it.</exception>
    public static InventoryState Next(string inventoryId, InventoryState state, RecordedEvent e) =>
        Inventory.IsNext(state.Version, e.Version)
            ? Inventory.Evolve(state, e)
            : throw new CorruptEventException(inventoryId, CorruptEventException.DocumentIdOf(e.Version), $"the log jumps from version {state.Version} to {e.Version}");
}
