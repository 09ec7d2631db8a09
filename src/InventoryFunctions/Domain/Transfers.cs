using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace InventoryFunctions.Domain;

/// <summary>
/// Transfers between two inventories, which no transaction covers (they are two partitions). The sender's debit is a
/// command on the sender, decided and appended with a transfer record in one batch; the credit is a command on the
/// receiver, appended with a receipt that its partition can hold only once; a receiver that refuses for good gets a
/// refusal receipt instead and the sender is refunded. Every step is an ordinary decision over one inventory's state.
/// </summary>
public static class Transfers
{
    /// <summary>A transfer's id is this many lowercase hex digits.</summary>
    public const int IdLength = 32;

    /// <summary>One leg event per line, of the kind the command's side takes.</summary>
    public static IReadOnlyList<InventoryEvent> Legs(TransferCommand command) => command switch
    {
        TransferOut(var id, var to, var lines) => [.. lines.Select(l => new ItemTransferredOut(l.ItemId, l.Quantity, id, to))],
        ReceiveTransfer(var id, var from, var lines) => [.. lines.Select(l => new ItemTransferredIn(l.ItemId, l.Quantity, id, from))],
        RefundTransfer(var id, var to, var lines) => [.. lines.Select(l => new ItemRefunded(l.ItemId, l.Quantity, id, to))],
        _ => throw new UnreachableException($"No legs for {command.GetType().Name}."),
    };

    /// <summary>
    /// The id of the transfer that sender <paramref name="from"/> asked for with <paramref name="idempotencyKey"/>
    /// (and <paramref name="scope"/>, the principal the key belongs to): the same request always names the same
    /// transfer, so a retry after the idempotency record expired still finds it rather than moving the items twice.
    /// </summary>
    public static string IdFor(string from, string scope, string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"transfer\n{from}\n{scope}\n{idempotencyKey}")))[..IdLength];

    /// <summary>True for 32 lowercase hex digits.</summary>
    public static bool IsId(string? value) => value is { Length: IdLength } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
