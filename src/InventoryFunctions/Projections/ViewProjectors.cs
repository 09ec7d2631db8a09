using InventoryFunctions.Application;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Projections;

/// <summary>Which per-inventory views each source drives through the one step (<see cref="VersionedViewProjector"/>).</summary>
public sealed class ViewProjectors(IViewStore store, IEventLogReader log, IPoisonQueue poison, TimeProvider time, ILogger<VersionedViewProjector> logger)
{
    public static readonly ViewKind Inventory = ViewKind.Of<InventoryView>();
    public static readonly ViewKind Collected = ViewKind.Of<CollectedView>();
    public static readonly ViewKind DwellTime = ViewKind.Of<DwellTimeView>();

    /// <summary>
    /// ProjectInventory's: the inventory view and most collected, one read and one batch per inventory. Of the feed's
    /// functions it alone reports undecodable documents to the poison queue, so each is reported once.
    /// </summary>
    public VersionedViewProjector InventoryAndCollected { get; } = new([Inventory, Collected], store, log, poison, time, logger);

    /// <summary>ProjectDwellTime's: the dwell-time view, under leases of its own, so it lags and fails apart from the others.</summary>
    public VersionedViewProjector DwellTimes { get; } = new([DwellTime], store, log, null, time, logger);

    /// <summary>The repair's (<see cref="ViewRepair"/>): every per-inventory view from one read of the log.</summary>
    public VersionedViewProjector Every { get; } = new([Inventory, Collected, DwellTime], store, log, poison, time, logger);
}
