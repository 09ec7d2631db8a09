using System.Security.Cryptography;
using System.Text;
using InventoryFunctions.Application;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Tests.Application;

/// <summary>
/// What "the same request" means for an idempotency key. The hash is stored for 48 hours, so its text is a contract:
/// records written by the HTTP edge before the application owned the rule must still match a retry.
/// </summary>
public class IdempotencyFingerprintTests
{
    // The text the edge hashed before: operation, inventory, expected version, then each event's record text, one a line.
    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void The_hash_of_a_request_is_the_one_records_were_written_with()
    {
        Assert.Equal(Hash("AddItem\ninv-1\n\nItemAdded { ItemId = sword, Quantity = 2 }\n"),
            IdempotencyRecord.Fingerprint(new CommandRequest("inv-1", new AddItem("sword", 2), null, "k")));
        Assert.Equal(Hash("RemoveItem\ninv-1\n3\nItemRemoved { ItemId = sword, Quantity = 1 }\n"),
            IdempotencyRecord.Fingerprint(new CommandRequest("inv-1", new RemoveItem("sword", 1), 3, "k")));
        Assert.Equal(Hash("AppendEvents\ninv-1\n0\nItemAdded { ItemId = a, Quantity = 1 }\nItemRemoved { ItemId = a, Quantity = 1 }\n"),
            IdempotencyRecord.Fingerprint(new CommandRequest("inv-1", new AppendEvents([new ItemAdded("a", 1), new ItemRemoved("a", 1)]), 0, "k")));
    }

    [Fact]
    public void Requests_that_differ_in_any_part_hash_differently_and_the_key_itself_is_not_part()
    {
        var request = new CommandRequest("inv-1", new AddItem("sword", 2), 1, "k");
        string[] hashes =
        [
            IdempotencyRecord.Fingerprint(request),
            IdempotencyRecord.Fingerprint(request with { InventoryId = "inv-2" }),
            IdempotencyRecord.Fingerprint(request with { ExpectedVersion = null }),
            IdempotencyRecord.Fingerprint(request with { Command = new AddItem("sword", 3) }),
            IdempotencyRecord.Fingerprint(request with { Command = new RemoveItem("sword", 2) }),
            IdempotencyRecord.Fingerprint(request with { Command = new AppendEvents([new ItemAdded("sword", 2)]) }),
        ];

        Assert.Equal(hashes.Length, hashes.Distinct().Count());
        Assert.Equal(hashes[0], IdempotencyRecord.Fingerprint(request with { IdempotencyKey = "other" }));
    }
}
