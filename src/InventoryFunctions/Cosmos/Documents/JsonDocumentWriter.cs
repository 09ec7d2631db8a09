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
}
