using System.Net;
using System.Text;
using System.Text.Json;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Issue 19's repair done-when at the wire: an undecodable event document, repaired in place and replayed from the
/// poison queue through the app, reaches every view (the inventory view, its most-collected and dwell-time views, the
/// global board), and replaying it again counts nothing twice. Each view is compared with its oracle over the logs.
/// </summary>
public sealed class RepairReachesEveryViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_repaired_document_replayed_twice_reaches_every_view_once()
    {
        await using var ops = await OwnStack.StartAsync();
        await ops.StartProjectorAsync();
        var events = ops.Stack.Events;
        var broken = LocalStack.NewInventoryId("repair");
        var other = LocalStack.NewInventoryId("other");
        // Another inventory adds shield and axe first, so the repaired event's earlier instant decides the board's tie.
        await events.ImportAsync(other, [
            new RecordedEvent(1, T0.AddHours(1), new ItemAdded("shield", 1)),
            new RecordedEvent(2, T0.AddHours(2), new ItemAdded("axe", 1)),
        ]);
        await events.ImportAsync(broken, [new RecordedEvent(1, T0, new ItemAdded("sword", 2))]);
        await events.WriteDocumentsAsync(broken, Encoding.UTF8.GetBytes(
            $$"""{"id":"2","inventoryId":"{{broken}}","version":2,"type":"ItemExploded","schemaVersion":2,"itemId":"shield","quantity":1,"occurredAt":"2026-05-01T12:10:00.0000000Z"}"""));
        await events.ImportAsync(broken, [
            new RecordedEvent(3, T0.AddMinutes(30), new ItemRemoved("sword", 1)),
            new RecordedEvent(4, T0.AddHours(3), new ItemAdded("axe", 1)),
        ]);

        // Every view moves past the undecodable version: the board counts what decodes, and the poison queue lists it.
        await ops.Http.WaitForViewAsync(broken, 4, Within);
        await ops.Http.WaitForDwellTimeAsync(broken, 4);
        await Eventually.UntilAsync("the board over what decodes", () => ops.Http.GetJsonAsync("most-collected?top=100"),
            r => Ranking(r).SequenceEqual([("sword", 2L), ("axe", 2L), ("shield", 1L)]), Within);
        await Eventually.UntilAsync($"a poison message about {broken}", () => ops.Http.GetJsonAsync("projections/poison"),
            r => r.Body.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("inventoryId").GetString() == broken), Within);

        // The operator repairs the document in place, then replays the queue twice.
        var repaired = EventCodec.Encode(broken, new RecordedEvent(2, T0.AddMinutes(10), new ItemAdded("shield", 1)));
        using (var replaced = await events.ReplaceItemStreamAsync(new MemoryStream(repaired), "2", new PartitionKey(broken)))
            Assert.True(replaced.IsSuccessStatusCode, replaced.ErrorMessage);
        var first = await ops.Http.SendJsonAsync(HttpMethod.Post, "projections/poison/replay");
        var second = await ops.Http.SendJsonAsync(HttpMethod.Post, "projections/poison/replay");
        Assert.Equal(1, first.Body.GetProperty("replayed").GetInt32());
        Assert.Equal(0, second.Body.GetProperty("replayed").GetInt32());

        var log = await ops.Http.ReadLogAsync(broken);
        Assert.Equal(4, log.Count);
        AssertState(Inventory.Fold(InventoryState.Empty, log), await ops.Http.GetJsonAsync($"inventories/{broken}"), broken, "the inventory view after the repair");
        var dwell = await ops.Http.GetJsonAsync($"inventories/{broken}/dwell-time");
        Assert.Equal(4, dwell.Body.GetProperty("version").GetInt64());
        DwellTimeTests.AssertMatchesOracle(log, dwell.Body);
        Assert.Equal(CollectedOracle.MostCommon(log.Select(e => (broken, e)), 100), Ranking(await ops.Http.GetJsonAsync($"inventories/{broken}/most-collected?top=100")));
        // shield: 1 in each inventory, counted once each; the repaired add (12:10) is now its first, ahead of axe (13:00).
        var board = CollectedOracle.MostCommon(await CollectedOracle.ReadAllEventsAsync(events), 100);
        Assert.Equal([("sword", 2L), ("shield", 2L), ("axe", 2L)], board);
        Assert.Equal(board, Ranking(await ops.Http.GetJsonAsync("most-collected?top=100")));
    }

    private static List<(string ItemId, long Collected)> Ranking(JsonReply reply)
    {
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return [.. reply.Body.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("collected").GetInt64()))];
    }
}
