using System.Net;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Functions;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static InventoryFunctions.IntegrationTests.Infrastructure.HistoryApi;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Transfers through the app's real worker on the local stack: the debit answered at once, the credit from the change
/// feed, the refund when the receiver refuses, and every way a step can be delivered twice.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class TransferTests(LocalStackFixture stack)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private async Task<string> InventoryWithAsync(string prefix, params (string Type, string ItemId, int Quantity)[] events)
    {
        var inventoryId = LocalStackFixture.NewInventoryId(prefix);
        if (events.Length > 0)
            Assert.Equal(HttpStatusCode.Created, (await stack.Http.AppendEventsAsync(inventoryId, events)).Status);
        return inventoryId;
    }

    private Task<JsonReply> TransferAsync(string from, string to, string? key, params (string ItemId, int Quantity)[] lines) =>
        stack.Http.ExchangeAsync(ApiRequests.Transfer(from, to, lines, key));

    private async Task<JsonElement> WaitForStateAsync(string from, string transferId, string state) =>
        (await Eventually.UntilAsync($"transfer {transferId} to be {state}", async () =>
        {
            var reply = await stack.Http.ExchangeAsync(ApiRequests.GetTransfer(from, transferId));
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            return reply;
        }, reply => reply.Body.GetProperty("state").GetString() == state, Within)).Body;

    private static Dictionary<string, int> Fold(IEnumerable<RecordedEvent> log) =>
        new(Inventory.Fold(InventoryState.Empty, log).Items, StringComparer.Ordinal);

    [Fact]
    public async Task A_transfer_answers_202_is_readable_at_once_and_the_change_feed_credits_the_receiver_and_completes_it()
    {
        var from = await InventoryWithAsync("gift-from", ("ItemAdded", "sword", 3), ("ItemAdded", "gem", 2));
        var to = await InventoryWithAsync("gift-to", ("ItemAdded", "gem", 1));

        var started = await TransferAsync(from, to, "gift-1", ("sword", 2), ("gem", 2));
        var location = started.Headers?.Location?.ToString();
        var transferId = started.Body.GetProperty("transferId").GetString()!;
        var atOnce = await stack.Http.GetJsonAsync(location![5..]); // relative to the API base: drop "/api/"
        var completed = await WaitForStateAsync(from, transferId, TransferStates.Completed);
        var senderLog = await stack.Http.ReadLogAsync(from);
        var receiverLog = await stack.Http.ReadLogAsync(to);
        var receiverView = await stack.Http.WaitForViewAsync(to, receiverLog.Count);
        var collected = await stack.Http.GetJsonAsync($"inventories/{to}/most-collected?top=10");

        Assert.True(started.Status == HttpStatusCode.Accepted, started.ToString());
        Assert.Equal($"/api/inventories/{from}/transfers/{transferId}", location);
        Assert.Equal(TransferStates.Debited, started.Body.GetProperty("state").GetString());
        Assert.Equal(to, started.Body.GetProperty("to").GetString());
        Assert.Equal(HttpStatusCode.OK, atOnce.Status);
        Assert.Equal(transferId, atOnce.Body.GetProperty("transferId").GetString());
        Assert.Equal(JsonValueKind.String, completed.GetProperty("completedAt").ValueKind);
        Assert.Equal(new Dictionary<string, int> { ["sword"] = 1 }, Fold(senderLog));
        Assert.Equal(new Dictionary<string, int> { ["gem"] = 3, ["sword"] = 2 }, Fold(receiverLog));
        Assert.Equal([new ItemTransferredOut("sword", 2, transferId, to), new ItemTransferredOut("gem", 2, transferId, to)], senderLog.Skip(2).Select(e => e.Event));
        Assert.Equal([new ItemTransferredIn("sword", 2, transferId, from), new ItemTransferredIn("gem", 2, transferId, from)], receiverLog.Skip(1).Select(e => e.Event));
        Assert.Equal(Fold(receiverLog), ItemsOf(receiverView.GetProperty("items")));
        // Units that entered count as collected, received ones too.
        Assert.Contains(collected.Body.GetProperty("items").EnumerateArray(), i => i.GetProperty("itemId").GetString() == "gem" && i.GetProperty("collected").GetInt64() == 3);
    }

    [Fact]
    public async Task A_player_starts_a_transfer_from_its_own_inventory_only_where_player_gifts_are_allowed()
    {
        var player = await InventoryWithAsync("giver", ("ItemAdded", "sword", 2));
        var someoneElse = await InventoryWithAsync("other", ("ItemAdded", "sword", 2));
        await using var gifts = await stack.StartAppAsync(new Dictionary<string, string?> { [AppSettings.AllowPlayerTransfers] = "true" });
        using var allowed = await gifts.CreateHttpClientAsync(player);
        using var notAllowed = await stack.Stack.App.CreateHttpClientAsync(player);

        var own = await allowed.ExchangeAsync(ApiRequests.Transfer(player, someoneElse, [("sword", 1)], "gift"));
        var others = await allowed.ExchangeAsync(ApiRequests.Transfer(someoneElse, player, [("sword", 1)], "theft"));
        var off = await notAllowed.ExchangeAsync(ApiRequests.Transfer(player, someoneElse, [("sword", 1)], "gift-off"));
        var status = await allowed.ExchangeAsync(ApiRequests.GetTransfer(player, own.Body.GetProperty("transferId").GetString()!));

        Assert.True(own.Status == HttpStatusCode.Accepted, own.ToString());
        AssertProblem(others, HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(off, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, status.Status);
        var debit = (await stack.Http.GetJsonAsync($"inventories/{player}/events")).Body.GetProperty("events")[1];
        Assert.Equal(EventTypes.ItemTransferredOut, debit.GetProperty("type").GetString());
        Assert.Equal("player", debit.GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal(player, debit.GetProperty("actor").GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_same_key_answers_the_same_transfer_and_moves_the_items_once()
    {
        var from = await InventoryWithAsync("again-from", ("ItemAdded", "sword", 5));
        var to = await InventoryWithAsync("again-to");

        var first = await TransferAsync(from, to, "same-key", ("sword", 2));
        var again = await TransferAsync(from, to, "same-key", ("sword", 2));
        var other = await TransferAsync(from, to, "same-key", ("sword", 3));
        await WaitForStateAsync(from, first.Body.GetProperty("transferId").GetString()!, TransferStates.Completed);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, again.Status);
        Assert.Equal(first.Body.GetProperty("transferId").GetString(), again.Body.GetProperty("transferId").GetString());
        Assert.Equal("true", again.Headers!.GetValues("Idempotent-Replayed").Single());
        AssertProblem(other, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Equal(3, Fold(await stack.Http.ReadLogAsync(from))["sword"]);
        Assert.Equal(2, Fold(await stack.Http.ReadLogAsync(to))["sword"]);
    }

    [Fact]
    public async Task Bad_transfers_are_400_not_enough_held_is_409_and_none_writes_anything()
    {
        var from = await InventoryWithAsync("bad-from", ("ItemAdded", "sword", 1));
        var to = await InventoryWithAsync("bad-to");
        var tooMany = Enumerable.Range(0, InventoryRules.MaxTransferLines + 1).Select(i => ($"item-{i}", 1)).ToArray();

        AssertProblem(await TransferAsync(from, to, null, ("sword", 1)), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await TransferAsync(from, from, "k", ("sword", 1)), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await TransferAsync(from, "not valid!", "k", ("sword", 1)), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await TransferAsync(from, to, "k", ("sword", 1), ("sword", 1)), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await TransferAsync(from, to, "k"), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await TransferAsync(from, to, "k", tooMany), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await TransferAsync(from, to, "k", ("sword", 0)), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await stack.Http.SendJsonAsync(HttpMethod.Post, $"inventories/{from}/transfers", """{"to":"x","items":[],"extra":1}"""), HttpStatusCode.BadRequest, "validation-failed");
        var insufficient = await TransferAsync(from, to, "k", ("sword", 2));
        AssertProblem(await stack.Http.GetJsonAsync($"inventories/{from}/transfers/not-an-id"), HttpStatusCode.BadRequest, "validation-failed");
        AssertProblem(await stack.Http.ExchangeAsync(ApiRequests.GetTransfer(from, Transfers.IdFor(from, "", "k"))), HttpStatusCode.NotFound, "transfer-not-found");

        AssertProblem(insufficient, HttpStatusCode.Conflict, "insufficient-quantity");
        Assert.Single(await stack.Http.ReadLogAsync(from));
        AssertProblem(await stack.Http.GetJsonAsync($"inventories/{to}/events"), HttpStatusCode.NotFound, "inventory-not-found");
    }
    [Fact]
    public async Task A_replay_of_the_whole_events_feed_under_a_fresh_lease_prefix_changes_no_inventory()
    {
        var a = await InventoryWithAsync("replay-a", ("ItemAdded", "sword", 3));
        var b = await InventoryWithAsync("replay-b", ("ItemAdded", "gem", 2));
        var one = (await TransferAsync(a, b, "replay-1", ("sword", 2))).Body.GetProperty("transferId").GetString()!;
        var two = (await TransferAsync(b, a, "replay-2", ("gem", 1))).Body.GetProperty("transferId").GetString()!;
        await WaitForStateAsync(a, one, TransferStates.Completed);
        await WaitForStateAsync(b, two, TransferStates.Completed);
        var before = (await stack.Http.ReadLogAsync(a), await stack.Http.ReadLogAsync(b));

        // What a new processor (a fresh lease prefix, StartFromBeginning) would deliver: every change of the feed from
        // the beginning, page by page, to the app's own relay function.
        var relay = new CompleteTransfersFunction(stack.Services.GetRequiredService<TransferService>(), NullLogger<CompleteTransfersFunction>.Instance);
        var pages = 0;
        using (var feed = stack.Events.GetChangeFeedStreamIterator(ChangeFeedStartFrom.Beginning(), ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = 100 }))
        {
            while (feed.HasMoreResults)
            {
                using var page = await feed.ReadNextAsync();
                if (page.StatusCode == HttpStatusCode.NotModified)
                    break;
                page.EnsureSuccessStatusCode();
                using var body = await JsonDocument.ParseAsync(page.Content);
                await relay.CompleteTransfers([.. body.RootElement.GetProperty("Documents").EnumerateArray().Select(d => d.Clone())], CancellationToken.None);
                pages++;
            }
        }
        var after = (await stack.Http.ReadLogAsync(a), await stack.Http.ReadLogAsync(b));

        Assert.True(pages > 0);
        Assert.Equal(before.Item1, after.Item1);
        Assert.Equal(before.Item2, after.Item2);
        Assert.Equal(new Dictionary<string, int> { ["gem"] = 1, ["sword"] = 1 }, Fold(after.Item1));
        Assert.Equal(new Dictionary<string, int> { ["gem"] = 1, ["sword"] = 2 }, Fold(after.Item2));
    }
}

/// <summary>
/// The steps after the debit delivered twice, with the record exactly as the debit wrote it (its etag too): a stack of
/// its own whose relay is off (<c>AzureWebJobs.CompleteTransfers.Disabled</c>), so the record stays debited until these
/// tests drive it with the app's own <see cref="TransferService"/>, as a redelivery or a second processor would.
/// </summary>
public sealed class TransferRedeliveryTests(TransferRedeliveryTests.RelayOff stack) : IClassFixture<TransferRedeliveryTests.RelayOff>
{
    public sealed class RelayOff : IAsyncLifetime
    {
        public LocalStack Stack { get; private set; } = null!;
        public HttpClient Http { get; private set; } = null!;
        public TransferService Transfers => Stack.Services.GetRequiredService<TransferService>();

        public async Task InitializeAsync()
        {
            Stack = await LocalStack.StartAsync(settings: new Dictionary<string, string?> { ["AzureWebJobs.CompleteTransfers.Disabled"] = "true" });
            Http = Stack.App.CreateHttpClient();
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await Stack.DisposeAsync();
        }
    }

    private async Task<(string From, string To, StoredTransfer Debited)> DebitedAsync(string prefix, int receiverItems, string item, int quantity)
    {
        var from = LocalStack.NewInventoryId(prefix + "-from");
        var to = LocalStack.NewInventoryId(prefix + "-to");
        Assert.Equal(HttpStatusCode.Created, (await stack.Http.AddItemAsync(from, item, quantity)).Status);
        foreach (var chunk in Enumerable.Range(0, receiverItems).Chunk(InventoryRules.MaxEventsPerAppend))
            Assert.Equal(HttpStatusCode.Created, (await stack.Http.AppendEventsAsync(to, chunk.Select(i => ("ItemAdded", $"item-{i}", 1)))).Status);
        var started = await stack.Http.ExchangeAsync(ApiRequests.Transfer(from, to, [(item, quantity)], prefix));
        Assert.True(started.Status == HttpStatusCode.Accepted, started.ToString());
        var debited = await stack.Transfers.GetAsync(from, started.Body.GetProperty("transferId").GetString()!, CancellationToken.None);
        Assert.Equal(TransferStates.Debited, debited!.Transfer.State);
        return (from, to, debited);
    }

    private static Dictionary<string, int> Fold(IEnumerable<RecordedEvent> log) =>
        new(Inventory.Fold(InventoryState.Empty, log).Items, StringComparer.Ordinal);

    [Fact]
    public async Task Processors_racing_on_one_transfer_and_its_redelivery_credit_it_once()
    {
        var (from, to, debited) = await DebitedAsync("race", 0, "sword", 4);

        var raced = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => stack.Transfers.DriveAsync(debited, CancellationToken.None))));
        var redelivered = await stack.Transfers.DriveAsync(debited, CancellationToken.None);

        Assert.All(raced, t => Assert.Equal(TransferStates.Completed, t.State));
        Assert.Equal(TransferStates.Completed, redelivered.State);
        Assert.Equal([new ItemTransferredIn("sword", 4, debited.Transfer.TransferId, from)], (await stack.Http.ReadLogAsync(to)).Select(e => e.Event));
        Assert.Equal(2, (await stack.Http.ReadLogAsync(from)).Count);
    }

    [Fact]
    public async Task A_receiver_at_its_distinct_items_limit_refuses_the_sender_is_refunded_once_and_it_stays_refunded_after_the_receiver_makes_room()
    {
        var (from, to, debited) = await DebitedAsync("refund", InventoryRules.MaxDistinctItemsHeld, "sword", 2);

        var refunded = await stack.Transfers.DriveAsync(debited, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await stack.Http.RemoveItemAsync(to, "item-0")).Status);
        var redelivered = await stack.Transfers.DriveAsync(debited, CancellationToken.None);
        var answered = await stack.Http.ExchangeAsync(ApiRequests.GetTransfer(from, debited.Transfer.TransferId));

        Assert.Equal(TransferStates.Refunded, refunded.State);
        Assert.StartsWith("distinct-items-limit-exceeded", refunded.Reason, StringComparison.Ordinal);
        Assert.Equal(TransferStates.Refunded, redelivered.State);
        Assert.Equal(TransferStates.Refunded, answered.Body.GetProperty("state").GetString());
        var senderLog = await stack.Http.ReadLogAsync(from);
        Assert.Equal([typeof(ItemAdded), typeof(ItemTransferredOut), typeof(ItemRefunded)], senderLog.Select(e => e.Event.GetType()));
        Assert.Equal(2, Fold(senderLog)["sword"]);
        Assert.DoesNotContain(await stack.Http.ReadLogAsync(to), e => e.Event is ItemTransferredIn);
    }

    [Fact]
    public async Task The_recovery_timer_drives_a_transfer_the_feed_never_relayed()
    {
        var (from, _, debited) = await DebitedAsync("stuck", 0, "sword", 1);
        var old = debited.Transfer.CreatedAt;

        // What the timer does, once the transfer is older than it waits for.
        var driven = await stack.Transfers.DriveStuckAsync(DateTimeOffset.UtcNow - old - TimeSpan.FromMilliseconds(1), 100, CancellationToken.None);
        var answered = await stack.Http.ExchangeAsync(ApiRequests.GetTransfer(from, debited.Transfer.TransferId));

        Assert.True(driven >= 1, $"driven {driven}");
        Assert.Equal(TransferStates.Completed, answered.Body.GetProperty("state").GetString());
    }
}
