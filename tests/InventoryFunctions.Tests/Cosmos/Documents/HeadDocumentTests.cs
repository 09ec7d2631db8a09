using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Tests.Cosmos.Documents;

/// <summary>The sharded head: what an append writes, and the state read back from the head and its shards.</summary>
public sealed class HeadDocumentTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Two item ids of one shard and one of another.</summary>
    private static (string A, string B, string Other) ItemsOfTwoShards()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"item-{i}").ToList();
        var a = ids[0];
        var b = ids.Skip(1).First(id => HeadShardDocument.ShardOf(id) == HeadShardDocument.ShardOf(a));
        var other = ids.First(id => HeadShardDocument.ShardOf(id) != HeadShardDocument.ShardOf(a));
        return (a, b, other);
    }

    [Fact]
    public void A_shard_that_held_items_is_patched_and_one_that_held_none_is_written_whole()
    {
        var (a, b, other) = ItemsOfTwoShards();
        var before = Builders.State(1, (a, 1));
        var after = Builders.State(3, (a, 2), (b, 1), (other, 1));

        var changes = HeadDocument.ShardedChangesBetween(before, At, after, At.AddSeconds(1), [a, b, other]);

        Assert.Equal(2, changes.Head.Count); // the version and the latest instant
        var patched = Assert.Single(changes.Shards, s => s.Shard == HeadShardDocument.ShardOf(a));
        Assert.Equal(2, patched.Patch!.Count); // a's new count and b's
        Assert.Null(Assert.Single(changes.Shards, s => s.Shard == HeadShardDocument.ShardOf(other)).Patch);
    }

    [Fact]
    public void An_unchanged_shard_is_not_written_and_an_all_digit_id_writes_its_shard_whole()
    {
        var before = Builders.State(1, ("12345", 1), ("sword", 1));
        var after = Builders.State(2, ("12345", 2), ("sword", 1));

        var changes = HeadDocument.ShardedChangesBetween(before, At, after, At, ["12345", "sword"]);

        Assert.Single(changes.Head);
        var shard = Assert.Single(changes.Shards);
        Assert.Equal(HeadShardDocument.ShardOf("12345"), shard.Shard);
        Assert.Null(shard.Patch);
    }

    [Fact]
    public void The_state_is_the_heads_version_and_the_items_of_its_own_generations_shards()
    {
        var state = Builders.State(7, ("bow", 1), ("shield", 2), ("sword", 3));
        var head = Parse(HeadDocument.Encode("inv-1", state, At, "g2"));
        var shards = Enumerable.Range(0, HeadDocument.ItemShards).Select(s => Parse(HeadShardDocument.Encode("inv-1", s, "g2", state))).ToList();
        var stale = Parse(HeadShardDocument.Encode("inv-1", HeadShardDocument.ShardOf("axe"), "g1", Builders.State(3, ("axe", 9))));

        Assert.Equal(state, HeadDocument.DecodeState(head, [.. shards, stale]));
        Assert.False(head.GetProperty("state").TryGetProperty("items", out _));
    }

    [Fact]
    public void An_inline_head_is_read_from_its_own_items()
    {
        var head = Parse("""{"id":"head","inventoryId":"inv-1","kind":"head","state":{"version":4,"items":{"sword":4}}}"""u8.ToArray());

        Assert.Null(HeadDocument.ShardGeneration(head));
        Assert.Equal(Builders.State(4, ("sword", 4)), HeadDocument.DecodeState(head, []));
    }

    private static JsonElement Parse(byte[] json) => JsonDocument.Parse(json).RootElement.Clone();
}
