using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Application;

/// <summary>
/// What a request with an idempotency key appended, kept so that a retry gets the same answer. Only appends are
/// recorded: a refusal writes nothing, so its retry is decided again.
/// </summary>
/// <param name="RequestHash">The <see cref="Fingerprint"/> of the request: the same key with another request is refused.</param>
public sealed record IdempotencyRecord(string Key, string RequestHash, long Version, IReadOnlyList<RecordedEvent> Events)
{
    /// <summary>
    /// What "the same request" means: the same kind of command, inventory, expected version and proposed events.
    /// The text hashed is a storage contract (records hold its hash for 48 hours): the command's name, then one line
    /// per part, each event as its record's text.
    /// </summary>
    public static string Fingerprint(CommandRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = new StringBuilder()
            .Append(OperationName(request.Command)).Append('\n')
            .Append(request.InventoryId).Append('\n')
            .Append(request.ExpectedVersion).Append('\n');
        foreach (var e in Inventory.Proposed(request.Command))
            text.Append(e).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    // Literals, not nameof: renaming a class must not change the hash of a request already recorded.
    private static string OperationName(InventoryCommand command) => command switch
    {
        AddItem => "AddItem",
        RemoveItem => "RemoveItem",
        AppendEvents => "AppendEvents",
        TransferOut => "TransferOut",
        ReceiveTransfer => "ReceiveTransfer",
        RefundTransfer => "RefundTransfer",
        _ => throw new UnreachableException($"No operation name for {command.GetType().Name}."),
    };
}
