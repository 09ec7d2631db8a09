using InventoryFunctions.Application;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Testing;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// Each per-inventory view by name, with the oracle its stored state must equal over the log: for the inventory view
/// the counts a plain tally of units in and out gives (never below zero), for most collected
/// <c>Counter.most_common</c>, for dwell time a first-in first-out pairing of units (<see cref="DwellOracle"/>).
/// </summary>
public static class ViewOracle
{
    public const string Inventory = "inventory";
    public const string Collected = "collected";
    public const string DwellTime = "dwell-time";

    public static ViewKind KindOf(string view) => view switch
    {
        Inventory => ViewProjectors.Inventory,
        Collected => ViewProjectors.Collected,
        DwellTime => ViewProjectors.DwellTime,
        _ => throw new ArgumentException(view, nameof(view)),
    };

    public static string RootIdOf(string view) => ViewCodec.Of(KindOf(view).ViewType).Id;

    public static VersionedViewProjector Step(IReadOnlyList<ViewKind> kinds, IViewStore store, IEventLogReader log, IPoisonQueue? poison, TimeProvider time) =>
        new(kinds, store, log, poison, time, NullLogger<VersionedViewProjector>.Instance);

    public static async Task<IReadOnlyList<IVersionedView>> RebuildAsync(VersionedViewProjector step, IEventLogReader log, string inventoryId) =>
        await step.RebuildAsync(inventoryId, await ChangeBatch.FromLogAsync(inventoryId, log, CancellationToken.None), CancellationToken.None);

    /// <summary>The stored root of the view (no parts loaded), or null.</summary>
    public static IVersionedView? Find(InMemoryViewStore store, string view, string inventoryId) => view switch
    {
        Inventory => store.Find<InventoryView>(inventoryId),
        Collected => store.Find<CollectedView>(inventoryId),
        DwellTime => store.Find<DwellTimeView>(inventoryId),
        _ => throw new ArgumentException(view, nameof(view)),
    };

    /// <summary>The versions the view lists as skipped; null for a view that lists none (most collected).</summary>
    public static IReadOnlyList<long>? SkippedVersions(IVersionedView view) => view switch
    {
        InventoryView inventory => inventory.SkippedVersions,
        DwellTimeView dwell => dwell.SkippedVersions,
        _ => null,
    };

    /// <summary>
    /// The stored view is at <paramref name="version"/> (the log's last when null; 0: no view, or one that only counts
    /// failures) and equals its oracle over the log's events up to it.
    /// </summary>
    public static Task AssertEqualsTheLog(InMemoryViewStore store, InMemoryEventLog log, string view, string inventoryId, long? version = null)
    {
        var all = log.Events(inventoryId);
        var upTo = version ?? (all.Count == 0 ? 0 : all[^1].Version);
        var events = all.Where(e => e.Version <= upTo).ToList();
        var stored = Find(store, view, inventoryId);
        Assert.Equal(upTo, stored?.Version ?? 0);
        switch (stored)
        {
            case null:
                Assert.Empty(events);
                break;
            case InventoryView inventory:
                Assert.Equal(Tally(events), inventory.Items);
                break;
            case CollectedView collected:
                Assert.Equal(CollectedOracle.MostCommon(events.Select(e => (inventoryId, e)), CollectedView.MaxTop),
                    collected.MostCollected(CollectedView.MaxTop).Select(c => (c.ItemId, c.Collected)));
                break;
            case DwellTimeView dwell:
                dwell = store.WithParts(dwell, [.. dwell.Parts.Occupied]);
                var (items, overall) = DwellOracle.Compute(events);
                var loaded = dwell.LoadedItems;
                Assert.Equal(items.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
                foreach (var (itemId, exact) in items)
                    DwellAssert.Close(exact, DwellStatistics.Of(loaded[itemId]), itemId, slack: 0);
                DwellAssert.Close(overall, DwellStatistics.Of(dwell), "all", slack: 0);
                break;
            default:
                throw new ArgumentException(view, nameof(view));
        }
        return Task.CompletedTask;
    }

    /// <summary>Units held per item by a plain tally: in adds, out subtracts, never below zero; items at zero are not held.</summary>
    private static Dictionary<string, int> Tally(IEnumerable<RecordedEvent> events)
    {
        var held = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var units = held.GetValueOrDefault(e.Event.ItemId) + (e.Event is ItemRemoved or ItemTransferredOut ? -e.Event.Quantity : e.Event.Quantity);
            if (units > 0)
                held[e.Event.ItemId] = units;
            else
                held.Remove(e.Event.ItemId);
        }
        return held;
    }
}
