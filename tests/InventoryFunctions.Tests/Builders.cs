using System.Collections.Immutable;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Tests;

/// <summary>The unit tests' builders of domain values, written once.</summary>
public static class Builders
{
    /// <summary>Items as a state holds them: sorted ordinally.</summary>
    public static ImmutableSortedDictionary<string, int> Items(params (string ItemId, int Count)[] items) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, items.Select(i => KeyValuePair.Create(i.ItemId, i.Count)));

    /// <summary>A state at <paramref name="version"/> holding exactly <paramref name="items"/>.</summary>
    public static InventoryState State(long version, params (string ItemId, int Count)[] items) => new(version, Items(items));
}
