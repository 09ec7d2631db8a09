using InventoryFunctions.Application;
using InventoryFunctions.Projections;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Operations;

/// <summary>What replay did with one poison message.</summary>
public enum ReplayOutcome
{
    /// <summary>Its version is now applied to the view (the document was repaired, or the view was rebuilt without it); the message was deleted.</summary>
    Replayed,

    /// <summary>The document still cannot be decoded; the message stays.</summary>
    StillUndecodable,

    /// <summary>The message names no inventory and version (or is not a poison message): a person must look; it stays.</summary>
    NotReplayable,

    /// <summary>The inventory's log could not be rebuilt (a version missing, contention); the message stays.</summary>
    Failed,
}

public sealed record ReplayedMessage(string MessageId, string? DocumentId, string? InventoryId, long? Version, ReplayOutcome Outcome);

/// <summary>
/// Replays the poison queue: re-applies what can now be applied and deletes those messages. A message is done when
/// the inventory's view has passed its version without skipping it. When one of an inventory's reported documents
/// now decodes (repaired in place), the view is rebuilt from the log (etag-guarded, like the rebuild endpoint) without
/// reporting again what is still undecodable. Idempotent: a message already done is just deleted, and messages are
/// received (hidden for a while) before being deleted or released, so two replays never handle the same one.
/// </summary>
public sealed class PoisonReplay(IPoisonQueue poison, IViewStore views, IEventLogReader log, ViewRepair rebuilder, ILogger<PoisonReplay> logger)
{
    private static readonly TimeSpan HiddenWhileReplaying = TimeSpan.FromMinutes(2);

    public async Task<IReadOnlyList<ReplayedMessage>> ReplayAsync(int max, CancellationToken cancellationToken)
    {
        var received = await poison.ReceiveAsync(max, HiddenWhileReplaying, cancellationToken);
        var results = new List<ReplayedMessage>(received.Count);
        foreach (var unusable in received.Where(m => m.Message is not { PartitionKey: not null, Version: not null }))
        {
            await poison.ReleaseAsync(unusable, cancellationToken);
            results.Add(new ReplayedMessage(unusable.MessageId, unusable.Message?.DocumentId, unusable.Message?.PartitionKey, unusable.Message?.Version, ReplayOutcome.NotReplayable));
        }

        foreach (var inventory in received.Where(m => m.Message is { PartitionKey: not null, Version: not null }).GroupBy(m => m.Message!.PartitionKey!, StringComparer.Ordinal))
        {
            var messages = inventory.ToList();
            Func<QueuedPoison, ReplayOutcome> outcome;
            try
            {
                outcome = await ReplayInventoryAsync(inventory.Key, messages, cancellationToken);
            }
            catch (Exception ex) when (ex is CorruptEventException or ContentionException)
            {
                logger.LogError(ex, "Could not replay the poison messages of {InventoryId}", inventory.Key);
                outcome = _ => ReplayOutcome.Failed;
            }
            foreach (var message in messages)
            {
                var result = outcome(message);
                if (result == ReplayOutcome.Replayed)
                    await poison.DeleteAsync(message, cancellationToken);
                else
                    await poison.ReleaseAsync(message, cancellationToken);
                results.Add(new ReplayedMessage(message.MessageId, message.Message!.DocumentId, inventory.Key, message.Message.Version, result));
            }
        }
        logger.LogInformation("Poison replay: {Replayed} of {Count} messages replayed", results.Count(r => r.Outcome == ReplayOutcome.Replayed), results.Count);
        return results;
    }

    private async Task<Func<QueuedPoison, ReplayOutcome>> ReplayInventoryAsync(string inventoryId, List<QueuedPoison> messages, CancellationToken cancellationToken)
    {
        var versions = messages.Select(m => m.Message!.Version!.Value).ToList();
        var view = (await views.ReadAsync<InventoryView>(inventoryId, [], cancellationToken))?.View;
        if (view is not null && versions.All(v => Applied(view, v)))
            return _ => ReplayOutcome.Replayed; // done before (an earlier replay, a rebuild): just remove the messages

        var documents = await log.ReadRangeAsync(inventoryId, versions.Min(), versions.Max(), cancellationToken);
        var nowDecodable = documents.Where(d => d.Result is DecodeResult.Decoded).Select(d => d.Version).ToHashSet();
        if (versions.Any(nowDecodable.Contains) || view is null)
            view = (await rebuilder.RebuildAsync(inventoryId, cancellationToken, reportUndecodable: false)).Inventory;
        var rebuilt = view;
        var inLog = documents.Select(d => d.Version).ToHashSet();
        // A document removed from the end of the log leaves nothing to apply: the message is done too.
        return message => message.Message!.Version!.Value is var version && (Applied(rebuilt, version) || (!inLog.Contains(version) && rebuilt.Version < version))
            ? ReplayOutcome.Replayed
            : ReplayOutcome.StillUndecodable;
    }

    /// <summary>The view has passed <paramref name="version"/> and applied it (not skipped it).</summary>
    private static bool Applied(InventoryView view, long version) => view.Version >= version && !view.SkippedVersions.Contains(version);
}
