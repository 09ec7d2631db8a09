using System.Net;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Domain;
using InventoryFunctions.Projections;
using InventoryFunctions.Tests.Fakes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace InventoryFunctions.Tests.Projections;

/// <summary>
/// ProjectInventory's step at its ports, checked with Moq: what it sends to the poison queue, exactly, and that a
/// failure of the view store is passed on (so the trigger retries the batch) rather than swallowed.
/// </summary>
public class InventoryProjectorSeamTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly InMemoryEventLog _log = new();

    private VersionedViewProjector Projector(IViewStore views, IPoisonQueue poison) =>
        new ViewProjectors(views, _log, poison, new FakeTimeProvider(Now), NullLogger<VersionedViewProjector>.Instance).InventoryAndCollected;

    [Fact]
    public async Task The_poison_queue_receives_exactly_one_message_naming_the_document_its_inventory_version_and_reason()
    {
        var poison = new Mock<IPoisonQueue>(MockBehavior.Strict);
        poison.Setup(q => q.SendAsync(It.IsAny<PoisonMessage>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var batch = new[]
        {
            _log.AppendOne("inv-1", new ItemAdded("sword", 1)),
            _log.AppendRaw("inv-1", v => $$"""{"id":"{{v}}","inventoryId":"inv-1","version":{{v}},"type":"ItemExploded","schemaVersion":2,"itemId":"sword","quantity":1,"occurredAt":"2026-05-01T12:00:00.0000000Z"}"""),
        };

        await Projector(new InMemoryViewStore(), poison.Object).ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None);

        poison.Verify(q => q.SendAsync(
            It.Is<PoisonMessage>(m => m.DocumentId == "2" && m.PartitionKey == "inv-1" && m.Version == 2
                && m.Reason.Contains("ItemExploded", StringComparison.Ordinal) && m.DetectedAt == Now),
            It.IsAny<CancellationToken>()), Times.Once);
        poison.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_transient_failure_of_the_view_store_is_rethrown_and_nothing_is_written_or_reported()
    {
        var throttled = new CosmosException("Request rate is large.", HttpStatusCode.TooManyRequests, 0, "activity", 1);
        var views = new Mock<IViewStore>(MockBehavior.Strict);
        views.Setup(v => v.ReadAsync("inv-1", It.IsAny<IReadOnlyList<ViewRead>>(), It.IsAny<CancellationToken>())).ThrowsAsync(throttled);
        var poison = new Mock<IPoisonQueue>(MockBehavior.Strict);
        var batch = new[] { _log.AppendOne("inv-1", new ItemAdded("sword", 1)) };

        var thrown = await Assert.ThrowsAsync<CosmosException>(() =>
            Projector(views.Object, poison.Object).ProjectAsync(EventCodec.ReadChanges(batch), CancellationToken.None));

        Assert.Same(throttled, thrown);
        views.Verify(v => v.ReadAsync("inv-1", It.Is<IReadOnlyList<ViewRead>>(r => r.Count == 2), It.IsAny<CancellationToken>()), Times.Once);
        views.VerifyNoOtherCalls();
        poison.VerifyNoOtherCalls();
    }
}
