using System.Buffers;
using System.Text.Json;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>Writes one JSON document to UTF-8 bytes, the form the Cosmos DB stream APIs take.</summary>
internal static class JsonDocumentWriter
{
    public static byte[] Write(Action<Utf8JsonWriter> write, int initialCapacity = 256)
    {
        var buffer = new ArrayBufferWriter<byte>(initialCapacity);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Opens a document of an inventory's partition that is not an event: its id, partition key and kind.</summary>
    public static void WriteStart(Utf8JsonWriter writer, string id, string inventoryId, string kind)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("inventoryId", inventoryId);
        writer.WriteString("kind", kind);
    }
}
