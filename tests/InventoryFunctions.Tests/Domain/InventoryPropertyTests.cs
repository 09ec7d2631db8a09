using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InventoryFunctions.Domain;
using Microsoft.Extensions.Time.Testing;

namespace InventoryFunctions.Tests.Domain;

/// <summary>
/// Invariants of Decide and Evolve over random command sequences: each command is decided against the state
/// folded so far, and the events of accepted ones are appended, as the service does.
/// </summary>
public class InventoryPropertyTests
{
    // Few item ids, so that commands keep meeting the same items; "Sword" checks ids are case-sensitive.
    private static readonly Gen<string> ItemIds = Gen.Elements("sword", "shield", "potion", "Sword");

    private static readonly Gen<int> Quantities = Gen.Frequency(
        (10, Gen.Choose(1, 5)),
        (1, Gen.Choose(1, InventoryRules.MaxQuantity)));

    private static readonly Gen<InventoryEvent> Events =
        from itemId in ItemIds
        from quantity in Quantities
        from added in Gen.Frequency((3, Gen.Constant(true)), (2, Gen.Constant(false)))
        select added ? new ItemAdded(itemId, quantity) : (InventoryEvent)new ItemRemoved(itemId, quantity);

    private static readonly Gen<InventoryCommand> Commands = Gen.OneOf(
        from itemId in ItemIds
        from quantity in Quantities
        select (InventoryCommand)new AddItem(itemId, quantity),
        from itemId in ItemIds
        from quantity in Quantities
        select (InventoryCommand)new RemoveItem(itemId, quantity),
        from count in Gen.Choose(1, 8)
        from events in Gen.ArrayOf(Events, count)
        select (InventoryCommand)new AppendEvents(events));

    private static readonly Arbitrary<InventoryCommand[]> Scripts = Arb.From(Gen.ArrayOf(Commands));

    /// <summary>Runs a script as the service would: decide against the state so far, append what is accepted.</summary>
    private static Run Play(IEnumerable<InventoryCommand> script)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var run = new Run();
        foreach (var command in script)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var before = run.State;
            var decision = Inventory.Decide(before, command, time.GetUtcNow());
            run.Steps.Add(new Step(before, command, time.GetUtcNow(), decision));
            if (decision is Decision.Accepted accepted)
            {
                foreach (var recorded in accepted.Events)
                {
                    if (recorded.Event is ItemRemoved removed)
                    {
                        // Evolve would clamp a removal of more than is held, so check before it can.
                        run.Shortfalls += removed.Quantity > run.State.QuantityOf(removed.ItemId) ? 1 : 0;
                    }

                    run.State = Inventory.Evolve(run.State, recorded.Event);
                    run.Intermediate.Add(run.State);
                }

                run.Log.AddRange(accepted.Events);
            }
        }

        return run;
    }

    [Property]
    public Property No_sequence_of_commands_drives_a_count_below_zero() =>
        Prop.ForAll(Scripts, script =>
        {
            var run = Play(script);
            Assert.Equal(0, run.Shortfalls);
            Assert.All(run.Intermediate, state => Assert.All(state.Items.Values, count => Assert.True(count > 0)));
        });

    [Property]
    public Property Versions_stay_contiguous_from_one() =>
        Prop.ForAll(Scripts, script =>
        {
            var run = Play(script);
            Assert.Equal(Enumerable.Range(1, run.Log.Count).Select(v => (long)v), run.Log.Select(e => e.Version));
            Assert.Equal(run.Log.Count, run.State.Version);
        });

    [Property]
    public Property Folding_the_accepted_events_equals_the_running_state() =>
        Prop.ForAll(Scripts, script =>
        {
            var run = Play(script);
            Assert.Equal(run.State, Inventory.Fold(InventoryState.Empty, run.Log));
            Assert.Equal(run.State, Inventory.Fold(InventoryState.Empty, run.Log.Select(e => e.Event)));
        });

    [Property]
    public Property Accepted_events_are_stamped_with_the_time_of_the_decision() =>
        Prop.ForAll(Scripts, script =>
        {
            foreach (var step in Play(script).Steps)
            {
                if (step.Decision is Decision.Accepted accepted)
                {
                    Assert.All(accepted.Events, e => Assert.Equal(step.Now, e.OccurredAt));
                    Assert.Equal(step.Before.Version + 1, accepted.Events[0].Version);
                }
            }
        });

    [Property]
    public Property A_rejected_decision_changes_nothing() =>
        Prop.ForAll(Scripts, script =>
        {
            var run = Play(script);
            for (var i = 0; i < run.Steps.Count; i++)
            {
                var step = run.Steps[i];
                if (step.Decision is not Decision.Rejected)
                {
                    continue;
                }

                var next = i + 1 < run.Steps.Count ? run.Steps[i + 1].Before : run.State;
                Assert.Equal(step.Before, next);
                Assert.Equal(step.Decision, Inventory.Decide(step.Before, step.Command, step.Now));
            }
        });

    [Property]
    public Property AppendEvents_is_all_or_nothing() =>
        Prop.ForAll(Scripts, script =>
        {
            foreach (var step in Play(script).Steps)
            {
                if (step.Command is not AppendEvents batch)
                {
                    continue;
                }

                // Reference model: the counts after each event of the batch, in order, with no clamping.
                var counts = step.Before.Items.ToDictionary(i => i.Key, i => (long)i.Value, StringComparer.Ordinal);
                InsufficientQuantity? firstShortfall = null;
                foreach (var e in batch.Events)
                {
                    var (itemId, delta) = e switch
                    {
                        ItemAdded a => (a.ItemId, (long)a.Quantity),
                        ItemRemoved r => (r.ItemId, -(long)r.Quantity),
                        _ => throw new InvalidOperationException(),
                    };
                    var held = counts.GetValueOrDefault(itemId);
                    if (held + delta < 0)
                    {
                        firstShortfall = new InsufficientQuantity(itemId, (int)-delta, (int)held);
                        break;
                    }

                    counts[itemId] = held + delta;
                }

                if (firstShortfall is null)
                {
                    var accepted = Assert.IsType<Decision.Accepted>(step.Decision);
                    Assert.Equal(batch.Events, accepted.Events.Select(e => e.Event));
                    var after = Inventory.Fold(step.Before, accepted.Events);
                    Assert.Equal(
                        counts.Where(c => c.Value > 0).OrderBy(c => c.Key, StringComparer.Ordinal),
                        after.Items.Select(i => KeyValuePair.Create(i.Key, (long)i.Value)));
                }
                else
                {
                    Assert.Equal(new Decision.Rejected(firstShortfall), step.Decision);
                }
            }
        });

    [Property]
    public Property Replaying_any_events_never_throws_and_never_holds_a_count_below_one() =>
        Prop.ForAll(Arb.From(Gen.ArrayOf(Events)), events =>
        {
            var state = InventoryState.Empty;
            foreach (var e in events)
            {
                state = Inventory.Evolve(state, e);
                Assert.All(state.Items.Values, count => Assert.True(count > 0));
            }

            Assert.Equal(events.Length, state.Version);
        });

    private sealed record Step(InventoryState Before, InventoryCommand Command, DateTimeOffset Now, Decision Decision);

    private sealed class Run
    {
        public InventoryState State { get; set; } = InventoryState.Empty;

        /// <summary>Accepted removals of more than was held at that point.</summary>
        public int Shortfalls { get; set; }

        public List<Step> Steps { get; } = [];

        public List<RecordedEvent> Log { get; } = [];

        public List<InventoryState> Intermediate { get; } = [];
    }
}
