using System.Net;
using System.Text.Json;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Testing;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The Cosmos DB adapter against the local Cosmos dev server: one transactional batch per append (head guarded by its
/// etag + events with id = version + idempotency record), a head rebuilt from the log when missing or behind, and the
/// number of round trips a command costs, counted by a <see cref="RequestCounter"/> in the client's pipeline.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class CosmosInventoryStreamTests(LocalStackFixture stack, ITestOutputHelper output)
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_hole_in_the_log_is_reported_by_the_audit_log_not_skipped()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        await ImportAsync(inventoryId, new RecordedEvent(1, At, new ItemAdded("a", 1)), new RecordedEvent(3, At, new ItemAdded("a", 1)));

        var error = await Assert.ThrowsAsync<CorruptEventException>(() => NewLog().ReadEventsAsync(inventoryId, 1, 10, CancellationToken.None));

        Assert.Equal("2", error.DocumentId);
        using var response = await stack.Http.GetAsync($"inventories/{inventoryId}/events");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("corrupt-event", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Fill the hole: the shared stack's projector retries a gapped batch until the log is whole.
        await ImportAsync(inventoryId, new RecordedEvent(2, At, new ItemAdded("a", 1)));
    }

    [Fact]
    public async Task A_snapshot_records_the_latest_instant_of_its_whole_prefix_not_just_its_own_event()
    {
        // Event 5 claims a later instant than event 10 (clock skew, or a legacy local time read as UTC).
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = ActivatorUtilities.CreateInstance<CosmosInventoryStream>(stack.Services, stack.Client,
            (IMemoryCache)new MemoryCache(new MemoryCacheOptions { SizeLimit = 100 }), TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new SnapshotOptions { Interval = 10 }));
        var late = At.AddDays(1);
        await ImportAsync(inventoryId, [.. Enumerable.Range(1, 9).Select(v => new RecordedEvent(v, v == 5 ? late : At.AddSeconds(v), new ItemAdded("a", 1)))]);

        var head = await store.CatchUpAsync(inventoryId, await store.LoadHeadAsync(inventoryId, refresh: true, CancellationToken.None), CancellationToken.None);
        var appended = await store.AppendAsync(inventoryId, head, [new RecordedEvent(10, At.AddSeconds(10), new ItemAdded("a", 1))], null, CancellationToken.None);

        Assert.IsType<AppendResult.Appended>(appended);
        using var snapshot = await stack.Events.ReadItemStreamAsync(SnapshotDocument.IdFor(10), new PartitionKey(inventoryId));
        using var document = await JsonDocument.ParseAsync(snapshot.Content);
        Assert.Equal(EventCodec.FormatOccurredAt(late), document.RootElement.GetProperty("occurredAt").GetString());
    }

    /// <summary>
    /// A store as another app instance would have it: its own head cache, the app's options (from the app's
    /// registrations built in the test process), and <paramref name="client"/> or the test's own client.
    /// </summary>
    private CosmosInventoryStream NewStore(CosmosClient? client = null) =>
        ActivatorUtilities.CreateInstance<CosmosInventoryStream>(stack.Services,
            client ?? stack.Client, (IMemoryCache)new MemoryCache(new MemoryCacheOptions { SizeLimit = 100 }), TimeProvider.System);

    /// <summary>The log reader as the app has it: the app's options over <paramref name="client"/> or the test's own client.</summary>
    private CosmosEventLog NewLog(CosmosClient? client = null) =>
        ActivatorUtilities.CreateInstance<CosmosEventLog>(stack.Services, client ?? stack.Client);

    private static InventoryService ServiceOver(IInventoryStream store) =>
        new(store, TimeProvider.System, NullLogger<InventoryService>.Instance);

    private static RecordedEvent[] Events(long after, params InventoryEvent[] events) =>
        [.. events.Select((e, i) => new RecordedEvent(after + i + 1, At, e))];

    private static InventoryState Fold(IEnumerable<RecordedEvent> events) => Inventory.Fold(InventoryState.Empty, events);

    /// <summary>Writes event documents straight into the log, without the head: what an import or a restore leaves.</summary>
    private async Task ImportAsync(string inventoryId, params RecordedEvent[] events)
    {
        foreach (var e in events)
        {
            using var response = await stack.Events.CreateItemStreamAsync(new MemoryStream(EventCodec.Encode(inventoryId, e)), new PartitionKey(inventoryId));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    private static InventoryState HeldState(long version, params (string ItemId, int Count)[] items) =>
        new(version, System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, items.Select(i => KeyValuePair.Create(i.ItemId, i.Count))));

    /// <summary>The stored head's state (its shards' items included) and etag, as a cold instance reads them, or null when there is none.</summary>
    private async Task<(InventoryState State, string ETag)?> ReadHeadAsync(string inventoryId)
    {
        var head = await NewStore().LoadHeadAsync(inventoryId, refresh: true, CancellationToken.None);
        return head.ETag is null ? null : (head.State, head.ETag);
    }

    /// <summary>
    /// Every document id in the inventory's partition, sorted: events, head and idempotency records (the head's item
    /// shards aside: <see cref="ReadHeadAsync"/> reads them with the head).
    /// </summary>
    private async Task<List<string>> DocumentIdsAsync(string inventoryId)
    {
        var ids = new List<string>();
        using var iterator = stack.Events.GetItemQueryIterator<string>("SELECT VALUE c.id FROM c",
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(inventoryId) });
        while (iterator.HasMoreResults)
            ids.AddRange((await iterator.ReadNextAsync()).Where(id => !id.StartsWith("head-items-", StringComparison.Ordinal)));
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    private async Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(CosmosInventoryStream store, string inventoryId) =>
        (await NewLog().ReadEventsAsync(inventoryId, 1, 1000, CancellationToken.None)).Events;

    // ---- Appends ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task An_append_writes_the_events_and_the_head_together()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = NewStore();
        var events = Events(0, new ItemAdded("sword", 2), new ItemAdded("shield", 1));

        var result = await store.AppendAsync(inventoryId, StreamHead.New, events, null, CancellationToken.None);

        var appended = Assert.IsType<AppendResult.Appended>(result);
        var head = await ReadHeadAsync(inventoryId);
        Assert.Equal(Fold(events), head!.Value.State);
        Assert.Equal(head.Value.ETag, appended.Head.ETag);
        Assert.Equal(["1", "2", "head"], await DocumentIdsAsync(inventoryId));
        Assert.Equal(events, await ReadAllAsync(store, inventoryId));
    }

    [Fact]
    public async Task A_batch_in_which_one_version_is_taken_writes_nothing()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = NewStore();
        var h1 = ((AppendResult.Appended)await store.AppendAsync(inventoryId, StreamHead.New, Events(0, new ItemAdded("sword", 1)), null, CancellationToken.None)).Head;
        await ImportAsync(inventoryId, new RecordedEvent(3, At, new ItemAdded("bow", 1)));
        var batch = Events(1, new ItemAdded("sword", 1), new ItemAdded("sword", 1));
        var record = new IdempotencyRecord("k-atomic", "hash", 3, batch);

        var result = await store.AppendAsync(inventoryId, h1, batch, record, CancellationToken.None);

        Assert.IsType<AppendResult.LogAhead>(result);
        var head = await ReadHeadAsync(inventoryId);
        Assert.Equal((h1.State, h1.ETag), (head!.Value.State, head.Value.ETag));
        Assert.Equal(["1", "3", "head"], await DocumentIdsAsync(inventoryId));
        Assert.Null(await store.FindIdempotencyRecordAsync(inventoryId, "k-atomic", CancellationToken.None));
    }

    [Fact]
    public async Task A_stale_etag_is_HeadChanged_and_writes_nothing()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = NewStore();
        var h1 = ((AppendResult.Appended)await store.AppendAsync(inventoryId, StreamHead.New, Events(0, new ItemAdded("sword", 1)), null, CancellationToken.None)).Head;
        // Another writer rewrites the head (same state, new etag), so version 2 is still free: only the etag is stale.
        using (var touched = await stack.Events.ReplaceItemStreamAsync(new MemoryStream(HeadDocument.Encode(inventoryId, h1.State, At, "rewritten")), HeadDocument.Id, new PartitionKey(inventoryId)))
            Assert.Equal(HttpStatusCode.OK, touched.StatusCode);
        var current = await ReadHeadAsync(inventoryId);
        Assert.NotEqual(h1.ETag, current!.Value.ETag);

        var result = await store.AppendAsync(inventoryId, h1, Events(1, new ItemAdded("sword", 1)), new IdempotencyRecord("k-stale", "hash", 2, []), CancellationToken.None);

        Assert.IsType<AppendResult.HeadChanged>(result);
        Assert.Equal(current, await ReadHeadAsync(inventoryId));
        Assert.Equal(["1", "head"], await DocumentIdsAsync(inventoryId));
    }

    [Fact]
    public async Task Of_many_writers_racing_from_the_same_head_exactly_one_wins()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var h1 = ((AppendResult.Appended)await NewStore().AppendAsync(inventoryId, StreamHead.New, Events(0, new ItemAdded("sword", 1)), null, CancellationToken.None)).Head;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            NewStore().AppendAsync(inventoryId, h1, Events(1, new ItemAdded($"item-{i}", 1)), null, CancellationToken.None)));

        var winner = Assert.Single(results.OfType<AppendResult.Appended>());
        Assert.All(results.Where(r => r is not AppendResult.Appended), r => Assert.IsType<AppendResult.HeadChanged>(r));
        Assert.Equal(["1", "2", "head"], await DocumentIdsAsync(inventoryId));
        Assert.Equal(winner.Head.State, (await ReadHeadAsync(inventoryId))!.Value.State);
    }

    [Fact]
    public async Task Two_writers_creating_the_same_inventory_do_not_both_win()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();

        var results = await Task.WhenAll(
            NewStore().AppendAsync(inventoryId, StreamHead.New, Events(0, new ItemAdded("a", 1)), null, CancellationToken.None),
            NewStore().AppendAsync(inventoryId, StreamHead.New, Events(0, new ItemAdded("b", 1)), null, CancellationToken.None));

        Assert.Single(results.OfType<AppendResult.Appended>());
        Assert.Single(results.OfType<AppendResult.HeadChanged>());
        Assert.Equal(["1", "head"], await DocumentIdsAsync(inventoryId));
    }

    [Fact]
    public async Task After_a_conflict_the_cached_head_is_dropped_and_read_again()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var mine = NewStore();
        var h1 = ((AppendResult.Appended)await mine.AppendAsync(inventoryId, StreamHead.New, Events(0, new ItemAdded("sword", 1)), null, CancellationToken.None)).Head;
        var theirs = NewStore();
        await theirs.AppendAsync(inventoryId, await theirs.LoadHeadAsync(inventoryId, false, CancellationToken.None), Events(1, new ItemAdded("bow", 1)), null, CancellationToken.None);
        Assert.Equal(h1, await mine.LoadHeadAsync(inventoryId, false, CancellationToken.None)); // cached, stale

        Assert.IsType<AppendResult.HeadChanged>(await mine.AppendAsync(inventoryId, h1, Events(1, new ItemAdded("sword", 1)), null, CancellationToken.None));

        var reloaded = await mine.LoadHeadAsync(inventoryId, false, CancellationToken.None);
        Assert.Equal(2, reloaded.State.Version);
        Assert.Equal((await ReadHeadAsync(inventoryId))!.Value.ETag, reloaded.ETag);
    }

    // ---- A head missing or behind its log --------------------------------------------------------------------------

    [Fact]
    public async Task Events_without_a_head_make_the_append_LogAhead_and_CatchUp_rebuilds_the_state()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var imported = Events(0, new ItemAdded("sword", 2), new ItemAdded("shield", 1), new ItemRemoved("sword", 1));
        await ImportAsync(inventoryId, imported);
        var store = NewStore();
        var head = await store.LoadHeadAsync(inventoryId, false, CancellationToken.None);
        Assert.Equal(StreamHead.New, head);

        var first = await store.AppendAsync(inventoryId, head, Events(0, new ItemAdded("bow", 1)), null, CancellationToken.None);

        Assert.IsType<AppendResult.LogAhead>(first);
        Assert.Null(await ReadHeadAsync(inventoryId));
        var caughtUp = await store.CatchUpAsync(inventoryId, head, CancellationToken.None);
        Assert.Equal(new StreamHead(Fold(imported), null, imported.Max(e => e.OccurredAt)), caughtUp);
        var second = await store.AppendAsync(inventoryId, caughtUp, Events(3, new ItemAdded("bow", 1)), null, CancellationToken.None);
        Assert.IsType<AppendResult.Appended>(second);
        var log = await ReadAllAsync(store, inventoryId);
        Assert.Equal([1L, 2L, 3L, 4L], log.Select(e => e.Version));
        Assert.Equal(Fold(log), (await ReadHeadAsync(inventoryId))!.Value.State);
    }

    [Fact]
    public async Task A_head_behind_its_log_makes_the_append_LogAhead_and_CatchUp_rebuilds_the_state()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = NewStore();
        var h1 = ((AppendResult.Appended)await store.AppendAsync(inventoryId, StreamHead.New, Events(0, new ItemAdded("sword", 1)), null, CancellationToken.None)).Head;
        await ImportAsync(inventoryId, Events(1, new ItemAdded("sword", 4), new ItemAdded("bow", 1)));

        var first = await store.AppendAsync(inventoryId, h1, Events(1, new ItemRemoved("sword", 1)), null, CancellationToken.None);

        Assert.IsType<AppendResult.LogAhead>(first);
        Assert.Equal((h1.State, h1.ETag), (await ReadHeadAsync(inventoryId))!.Value);
        var caughtUp = await store.CatchUpAsync(inventoryId, h1, CancellationToken.None);
        Assert.Equal(h1.ETag, caughtUp.ETag);
        Assert.Equal(3, caughtUp.State.Version);
        Assert.Equal(5, caughtUp.State.QuantityOf("sword"));
        Assert.IsType<AppendResult.Appended>(await store.AppendAsync(inventoryId, caughtUp, Events(3, new ItemRemoved("sword", 5)), null, CancellationToken.None));
        var log = await ReadAllAsync(store, inventoryId);
        Assert.Equal(4, log.Count);
        Assert.Equal(Fold(log), (await ReadHeadAsync(inventoryId))!.Value.State);
    }

    [Fact]
    public async Task The_service_removes_imported_items_from_an_inventory_without_a_head()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        await ImportAsync(inventoryId, Events(0, new ItemAdded("sword", 2), new ItemAdded("shield", 1)));

        var outcome = await ServiceOver(NewStore()).HandleAsync(new CommandRequest(inventoryId, new RemoveItem("sword", 2)), CancellationToken.None);

        Assert.Equal(3, Assert.IsType<CommandOutcome.Appended>(outcome).Version);
        var log = await ReadAllAsync(NewStore(), inventoryId);
        Assert.Equal([1L, 2L, 3L], log.Select(e => e.Version));
        Assert.Equal(Fold(log), (await ReadHeadAsync(inventoryId))!.Value.State);
    }

    [Fact]
    public async Task A_remove_on_an_instance_with_a_stale_cached_head_sees_what_another_instance_added()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var first = ServiceOver(NewStore());
        var second = ServiceOver(NewStore());
        Task<CommandOutcome> Run(InventoryService on, InventoryCommand command) =>
            on.HandleAsync(new CommandRequest(inventoryId, command), CancellationToken.None);
        await Run(first, new AddItem("sword", 1));
        await Run(first, new RemoveItem("sword", 1)); // the first instance now caches a head with no swords
        await Run(second, new AddItem("sword", 2));

        var outcome = await Run(first, new RemoveItem("sword", 2));

        Assert.Equal(4, Assert.IsType<CommandOutcome.Appended>(outcome).Version);
        Assert.Equal(Fold(await ReadAllAsync(NewStore(), inventoryId)), (await ReadHeadAsync(inventoryId))!.Value.State);
    }

    [Fact]
    public async Task A_gap_in_the_log_stops_the_catch_up_as_a_corrupt_event()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        await ImportAsync(inventoryId, new RecordedEvent(1, At, new ItemAdded("a", 1)), new RecordedEvent(3, At, new ItemAdded("a", 1)));

        var error = await Assert.ThrowsAsync<CorruptEventException>(() => NewStore().CatchUpAsync(inventoryId, StreamHead.New, CancellationToken.None));

        Assert.Equal("3", error.DocumentId);
        // Fill the gap so that the app's projector, which waits for version 2, does not retry for the rest of the run.
        await ImportAsync(inventoryId, new RecordedEvent(2, At, new ItemAdded("a", 1)));
    }

    [Fact]
    public async Task An_undecodable_event_document_is_reported_not_skipped()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        await ImportAsync(inventoryId, new RecordedEvent(1, At, new ItemAdded("a", 1)));
        var bad = $$"""{"id":"2","inventoryId":"{{inventoryId}}","version":2,"type":"ItemStolen","schemaVersion":2,"itemId":"a","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}""";
        using (var created = await stack.Events.CreateItemStreamAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(bad)), new PartitionKey(inventoryId)))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var error = await Assert.ThrowsAsync<CorruptEventException>(() => NewLog().ReadEventsAsync(inventoryId, 1, 10, CancellationToken.None));

        Assert.Equal("2", error.DocumentId);
        Assert.Contains("ItemStolen", error.Reason, StringComparison.Ordinal);
    }

    // ---- The head: patched with what each append changes --------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_many_appends_of_adds_removals_to_zero_and_re_adds_the_head_equals_the_fold_of_the_log(bool appClient)
    {
        // The app's own client (System.Text.Json, through a proxy) and the test's (Newtonsoft) serialize patches apart.
        await using var wire = appClient ? await ProxyAsync() : null;
        using var ownClient = wire is null ? null : AppClient(wire);
        var store = NewStore(ownClient);
        var inventoryId = LocalStackFixture.NewInventoryId();
        // Ids the rules allow (spaces, '.', ':', '_', '-', any letter) and, as a legacy event may hold any string, the two
        // characters a JSON Pointer escapes ('~' as ~0, '/' as ~1), an id that reads like an escape, and ids of digits only
        // (Cosmos DB reads such a path segment as a number: their appends replace the head whole).
        string[] ids = ["sword", "long sword", "a.b:c_d-e", "épée", "x~y", "a/b", "~1", "007", "12345678901234567890",
            .. Enumerable.Range(0, 20).Select(i => $"item-{i:D2}")];
        var random = new Random(1234);
        var head = StreamHead.New;
        var state = InventoryState.Empty;
        var instant = At;

        for (var round = 0; round < 40; round++)
        {
            var events = new List<RecordedEvent>();
            // The first round adds every id (more than 10 changes: several patches), round 20 empties the inventory.
            var count = round is 0 or 20 ? ids.Length : random.Next(1, 16);
            for (var i = 0; i < count; i++)
            {
                var itemId = ids[round is 0 or 20 ? i : random.Next(ids.Length)];
                var held = state.QuantityOf(itemId);
                InventoryEvent e = round == 20 || (round != 0 && held > 0 && random.Next(3) == 0)
                    ? new ItemRemoved(itemId, round == 20 || random.Next(2) == 0 ? held : random.Next(1, held + 1))
                    : new ItemAdded(itemId, random.Next(1, 5));
                if (e is ItemRemoved { Quantity: 0 })
                    continue;
                // Instants go back now and then (clocks differ): the head keeps the latest.
                instant = instant.AddSeconds(random.Next(-3, 10));
                var recorded = new RecordedEvent(state.Version + 1, instant, e);
                state = Inventory.Evolve(state, e);
                events.Add(recorded);
            }
            if (events.Count == 0)
                continue;

            head = Assert.IsType<AppendResult.Appended>(await store.AppendAsync(inventoryId, head, events, null, CancellationToken.None)).Head;

            var stored = await ReadHeadAsync(inventoryId);
            Assert.Equal((state, head.ETag), (stored!.Value.State, stored.Value.ETag));
            if (round == 20)
                Assert.Empty(stored.Value.State.Items);
        }

        var log = await ReadAllAsync(store, inventoryId);
        Assert.Equal(Fold(log), state);
        using var document = await stack.Events.ReadItemStreamAsync(HeadDocument.Id, new PartitionKey(inventoryId));
        using var json = await JsonDocument.ParseAsync(document.Content);
        Assert.Equal(log.Max(e => e.OccurredAt), HeadDocument.DecodeLatestOccurredAt(json.RootElement));
    }

    [Fact]
    public async Task An_inline_head_written_before_heads_were_sharded_keeps_being_read_and_patched_in_place()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        await ImportAsync(inventoryId, new RecordedEvent(1, At, new ItemAdded("sword", 2)), new RecordedEvent(2, At, new ItemAdded("shield", 1)));
        var inline = $$$"""{"id":"head","inventoryId":"{{{inventoryId}}}","kind":"head","state":{"version":2,"items":{"shield":1,"sword":2}},"latestOccurredAt":"{{{EventCodec.FormatOccurredAt(At)}}}"}""";
        using (var created = await stack.Events.CreateItemStreamAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(inline)), new PartitionKey(inventoryId)))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var store = NewStore();

        var head = await store.LoadHeadAsync(inventoryId, refresh: false, CancellationToken.None);
        var appended = await store.AppendAsync(inventoryId, head, Events(2, new ItemRemoved("sword", 2), new ItemAdded("bow", 1)), null, CancellationToken.None);

        Assert.Equal(HeldState(2, ("shield", 1), ("sword", 2)), head.State);
        Assert.Equal(HeldState(4, ("bow", 1), ("shield", 1)), ((AppendResult.Appended)appended).Head.State);
        using var stored = await stack.Events.ReadItemStreamAsync(HeadDocument.Id, new PartitionKey(inventoryId));
        using var document = await JsonDocument.ParseAsync(stored.Content);
        Assert.Null(HeadDocument.ShardGeneration(document.RootElement));
        Assert.Equal(HeldState(4, ("bow", 1), ("shield", 1)), HeadDocument.DecodeState(document.RootElement));
        Assert.Equal(["1", "2", "3", "4", "head"], await DocumentIdsAsync(inventoryId));
    }

    [Fact]
    public async Task A_new_head_keeps_its_items_in_shards_and_a_cold_instance_reads_them_back()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var items = Enumerable.Range(0, 40).Select(i => new ItemAdded($"item-{i}", i + 1)).ToArray<InventoryEvent>();

        var appended = (AppendResult.Appended)await NewStore().AppendAsync(inventoryId, StreamHead.New, Events(0, items), null, CancellationToken.None);
        var removed = (AppendResult.Appended)await NewStore().AppendAsync(inventoryId, await NewStore().LoadHeadAsync(inventoryId, refresh: true, CancellationToken.None),
            Events(40, new ItemRemoved("item-0", 1), new ItemAdded("item-1", 5)), null, CancellationToken.None);

        Assert.Equal(removed.Head, await NewStore().LoadHeadAsync(inventoryId, refresh: true, CancellationToken.None));
        Assert.Equal(39, removed.Head.State.Items.Count);
        using var stored = await stack.Events.ReadItemStreamAsync(HeadDocument.Id, new PartitionKey(inventoryId));
        using var document = await JsonDocument.ParseAsync(stored.Content);
        Assert.NotNull(HeadDocument.ShardGeneration(document.RootElement));
        Assert.False(document.RootElement.GetProperty("state").TryGetProperty("items", out _));
        Assert.NotEqual(appended.Head.ETag, removed.Head.ETag);
    }

    [Fact]
    public async Task A_head_deleted_since_this_instance_read_it_is_rebuilt_from_the_log()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var service = ServiceOver(NewStore());
        await service.HandleAsync(new CommandRequest(inventoryId, new AddItem("sword", 2)), CancellationToken.None);
        using (var deleted = await stack.Events.DeleteItemStreamAsync(HeadDocument.Id, new PartitionKey(inventoryId)))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // The cached head is patched: the document is gone (404), so the head is read again, found missing and rebuilt.
        var outcome = await service.HandleAsync(new CommandRequest(inventoryId, new RemoveItem("sword", 1)), CancellationToken.None);

        Assert.Equal(2, Assert.IsType<CommandOutcome.Appended>(outcome).Version);
        Assert.Equal(Fold(await ReadAllAsync(NewStore(), inventoryId)), (await ReadHeadAsync(inventoryId))!.Value.State);
    }

    [Fact]
    public async Task An_append_sends_and_receives_no_more_bytes_with_1000_items_held_than_with_10()
    {
        await using var wire = await ProxyAsync();
        using var client = AppClient(wire);

        var few = await WarmAppendAsync(wire, client, held: 10, idLength: 12);
        var many = await WarmAppendAsync(wire, client, held: InventoryRules.MaxDistinctItemsHeld, idLength: 12);

        // Replacing the head would send every item held: about 26 KB at 1,000 items against under 1 KB at 10.
        Assert.True(many.RequestBodyBytes < 2 * few.RequestBodyBytes, $"Sent {many.RequestBodyBytes} bytes with 1,000 items held, {few.RequestBodyBytes} with 10.");
        Assert.True(many.ResponseBodyBytes < 2 * few.ResponseBodyBytes, $"Received {many.ResponseBodyBytes} bytes with 1,000 items held, {few.ResponseBodyBytes} with 10.");
    }

    /// <summary>
    /// The request units of a warm one-event append, as the dev server's model (tools/devstack/cosmos/charges.js) prices
    /// them with infra's indexing policy: a write is billed by the size of every document it stores, so this holds only
    /// when no document the append rewrites grows with the items held.
    /// </summary>
    [Fact]
    public async Task A_warm_append_with_1000_items_of_100_character_ids_held_costs_at_most_one_and_a_half_times_one_with_10()
    {
        await using var wire = await ProxyAsync();
        using var client = AppClient(wire);

        var few = await WarmAppendAsync(wire, client, held: 10, idLength: 100);
        var many = await WarmAppendAsync(wire, client, held: InventoryRules.MaxDistinctItemsHeld, idLength: 100);

        Assert.True(many.RequestCharge <= 1.5 * few.RequestCharge, $"{many.RequestCharge} RU with 1,000 items held, {few.RequestCharge} RU with 10.");
    }

    /// <summary>
    /// Fills a new inventory with <paramref name="held"/> items (ids of <paramref name="idLength"/> characters, so that
    /// the appends measured differ only in what the inventory holds), then appends one event through a store that has
    /// seen the inventory and answers the one batch it sent.
    /// </summary>
    private async Task<CosmosRequest> WarmAppendAsync(CosmosRequestProxy wire, CosmosClient client, int held, int idLength)
    {
        var store = NewStore(client);
        string ItemId(int i) => $"item-{i:D7}".PadLeft(idLength, 'x');
        var inventoryId = LocalStackFixture.NewInventoryId();
        var head = StreamHead.New;
        foreach (var chunk in Enumerable.Range(0, held).Chunk(InventoryRules.MaxEventsPerAppend))
        {
            var events = chunk.Select((i, n) => new RecordedEvent(head.State.Version + n + 1, At, new ItemAdded(ItemId(i), 1))).ToList();
            head = ((AppendResult.Appended)await store.AppendAsync(inventoryId, head, events, null, CancellationToken.None)).Head;
        }
        Assert.Equal(held, head.State.Items.Count);

        wire.Reset();
        var one = new RecordedEvent(head.State.Version + 1, At, new ItemAdded(ItemId(held / 2), 1));
        Assert.IsType<AppendResult.Appended>(await store.AppendAsync(inventoryId, head, [one], null, CancellationToken.None));
        var batch = Assert.Single(wire.DataRequests);
        Assert.Equal("Batch", batch.Operation);

        // A cold instance still reads the whole state once (then cached): that does grow with the items.
        wire.Reset();
        await NewStore(client).LoadHeadAsync(inventoryId, refresh: false, CancellationToken.None);
        var coldRead = wire.DataRequests;
        output.WriteLine($"{held,5} items held ({idLength}-character ids): append sent {batch.RequestBodyBytes:N0} B body + {batch.RequestHeaderBytes:N0} B headers, "
            + $"received {batch.ResponseBodyBytes:N0} B body + {batch.ResponseHeaderBytes:N0} B headers, {batch.RequestCharge:N2} RU; "
            + $"cold load {coldRead.Count} request(s), {coldRead.Sum(r => r.ResponseBodyBytes):N0} B, {coldRead.Sum(r => r.RequestCharge):N2} RU");
        return batch;
    }

    /// <summary>A counting proxy in front of the stack's Cosmos DB, for the bytes an append sends and receives.</summary>
    private async Task<CosmosRequestProxy> ProxyAsync()
    {
        var account = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = stack.Cosmos.ConnectionString };
        return await CosmosRequestProxy.StartAsync(new Uri((string)account["AccountEndpoint"]), (string)account["AccountKey"]);
    }

    /// <summary>A client made as the app makes its own (<see cref="CosmosClientFactory"/>), reaching Cosmos DB through <paramref name="wire"/>.</summary>
    private static CosmosClient AppClient(CosmosRequestProxy wire) =>
        CosmosClientFactory.Create(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [AppSettings.CosmosConnection] = wire.ConnectionString }).Build());

    // ---- Idempotency records ----------------------------------------------------------------------------------------

    [Fact]
    public async Task An_idempotency_record_is_written_with_the_events_and_read_back_whole()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = NewStore();
        var events = Events(0, new ItemAdded("sword", 2), new ItemRemoved("sword", 1));
        const string key = "order/42?#\\ with spaces";

        await store.AppendAsync(inventoryId, StreamHead.New, events, new IdempotencyRecord(key, "hash-1", 2, events), CancellationToken.None);
        var found = await store.FindIdempotencyRecordAsync(inventoryId, key, CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal((key, "hash-1", 2L), (found.Key, found.RequestHash, found.Version));
        Assert.Equal(events, found.Events);
        Assert.Null(await store.FindIdempotencyRecordAsync(inventoryId, "another key", CancellationToken.None));
        Assert.Null(await store.FindIdempotencyRecordAsync(LocalStackFixture.NewInventoryId(), key, CancellationToken.None));
        using var document = await stack.Events.ReadItemStreamAsync(IdempotencyDocument.IdFor(key), new PartitionKey(inventoryId));
        using var json = await JsonDocument.ParseAsync(document.Content);
        Assert.True(json.RootElement.GetProperty("ttl").GetInt32() >= 24 * 60 * 60);
    }

    [Fact]
    public async Task A_used_idempotency_key_fails_the_append_and_writes_nothing()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = NewStore();
        var first = Events(0, new ItemAdded("sword", 1));
        var h1 = ((AppendResult.Appended)await store.AppendAsync(inventoryId, StreamHead.New, first, new IdempotencyRecord("k", "hash-1", 1, first), CancellationToken.None)).Head;
        var second = Events(1, new ItemAdded("sword", 1));

        var result = await store.AppendAsync(inventoryId, h1, second, new IdempotencyRecord("k", "hash-1", 2, second), CancellationToken.None);

        Assert.IsType<AppendResult.IdempotencyKeyUsed>(result);
        Assert.Equal((h1.State, h1.ETag), (await ReadHeadAsync(inventoryId))!.Value);
        Assert.Equal(1, (await store.FindIdempotencyRecordAsync(inventoryId, "k", CancellationToken.None))!.Version);
        Assert.Equal(3, (await DocumentIdsAsync(inventoryId)).Count); // "1", "head", the record
    }

    // ---- Reading the log ----------------------------------------------------------------------------------------

    [Fact]
    public async Task ReadEvents_pages_through_the_log_in_version_order()
    {
        var inventoryId = LocalStackFixture.NewInventoryId();
        var store = NewStore();
        var events = Events(0, [.. Enumerable.Range(1, 7).Select(i => new ItemAdded($"item-{i}", i))]);
        await store.AppendAsync(inventoryId, StreamHead.New, events, new IdempotencyRecord("k", "h", 7, events), CancellationToken.None);

        var page1 = await NewLog().ReadEventsAsync(inventoryId, 1, 3, CancellationToken.None);
        var page2 = await NewLog().ReadEventsAsync(inventoryId, page1.NextFromVersion!.Value, 3, CancellationToken.None);
        var page3 = await NewLog().ReadEventsAsync(inventoryId, page2.NextFromVersion!.Value, 3, CancellationToken.None);
        var past = await NewLog().ReadEventsAsync(inventoryId, 8, 3, CancellationToken.None);
        var exact = await NewLog().ReadEventsAsync(inventoryId, 1, 7, CancellationToken.None);

        Assert.Equal(events[..3], page1.Events);
        Assert.Equal(4, page1.NextFromVersion);
        Assert.Equal(events[3..6], page2.Events);
        Assert.Equal(7, page2.NextFromVersion);
        Assert.Equal(events[6..], page3.Events);
        Assert.Null(page3.NextFromVersion);
        Assert.Empty(past.Events);
        Assert.Null(past.NextFromVersion);
        Assert.Equal(events, exact.Events);
        Assert.Null(exact.NextFromVersion);
        Assert.Empty((await NewLog().ReadEventsAsync(LocalStackFixture.NewInventoryId(), 1, 3, CancellationToken.None)).Events);
    }

    // ---- Round trips ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_command_costs_two_round_trips_cold_one_warm_and_a_412_costs_a_reload()
    {
        var counter = new RequestCounter();
        using var client = stack.Cosmos.CreateClient(o =>
        {
            o.CustomHandlers.Add(counter);
            o.EnableContentResponseOnWrite = false;
        });
        // Warm the client itself (account, container and partition metadata), so only the store's own requests count.
        using (await client.GetContainer(stack.Options.DatabaseName, stack.Options.EventsContainerName)
                   .ReadItemStreamAsync("warm-up", new PartitionKey(LocalStackFixture.NewInventoryId()))) { }
        var inventoryId = LocalStackFixture.NewInventoryId();
        var service = ServiceOver(NewStore(client));

        async Task<int> Measure(string what, InventoryService on, InventoryCommand command)
        {
            counter.Reset();
            var outcome = await on.HandleAsync(new CommandRequest(inventoryId, command), CancellationToken.None);
            Assert.True(outcome is CommandOutcome.Appended or CommandOutcome.Rejected, $"{what}: {outcome}");
            output.WriteLine($"{what}: {counter.Count} round trips ({outcome.GetType().Name})");
            foreach (var request in counter.Requests)
                output.WriteLine("    " + request);
            return counter.Count;
        }

        var coldNew = await Measure("cold, new inventory", service, new AddItem("sword", 1));
        var warm = await Measure("warm (same instance again)", service, new AddItem("sword", 1));
        var warmAgain = await Measure("warm, third command", service, new RemoveItem("sword", 1));
        var coldExisting = await Measure("cold, existing inventory (another instance)", ServiceOver(NewStore(client)), new AddItem("sword", 1));
        // The first instance's cached head is now stale: its batch fails with 412, it reloads the head and retries.
        var stale = await Measure("stale cache (412, reload, batch)", service, new AddItem("sword", 1));
        var rejected = await Measure("rejection, warm (decide, confirm against the log)", service, new RemoveItem("shield", 1));

        Assert.Equal(2, coldNew);
        Assert.Equal(1, warm);
        Assert.Equal(1, warmAgain);
        Assert.Equal(2, coldExisting);
        Assert.Equal(3, stale);
        Assert.True(rejected <= 2, $"A rejection cost {rejected} round trips.");
    }
}
