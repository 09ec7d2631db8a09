using InventoryFunctions.Application;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Functions;

/// <summary>
/// Every minute (<c>TransferRecoverySchedule</c>): drives on transfers still debited <see cref="TransferService.StuckAfter"/> after
/// they were created, which the change feed should have completed within seconds (its function disabled or failing,
/// a lost lease, a record written while the feed was replaced). One cross-partition query, then the same steps as the
/// change feed: whichever gets there first decides, the other changes nothing.
/// </summary>
public sealed class RecoverTransfersFunction(TransferService transfers, ILogger<RecoverTransfersFunction> logger)
{
    /// <summary>Transfers driven per run, at most; the rest wait for the next run.</summary>
    public const int MaxPerRun = 100;

    [Function(nameof(RecoverTransfers))]
    public async Task RecoverTransfers([TimerTrigger("%" + AppSettings.TransferRecoverySchedule + "%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var driven = await transfers.DriveStuckAsync(TransferService.StuckAfter, MaxPerRun, cancellationToken);
        if (driven > 0)
            logger.LogWarning("Drove {Count} transfers left debited for over {Minutes} min (past due {PastDue})", driven, TransferService.StuckAfter.TotalMinutes, timer.IsPastDue);
    }
}
