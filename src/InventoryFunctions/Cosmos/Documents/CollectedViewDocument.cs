using System.Collections.Immutable;
using System.Text.Json;
using InventoryFunctions.Projections;

namespace InventoryFunctions.Cosmos.Documents;

/// <summary>
/// The stored shape of <see cref="CollectedView"/>: the root <c>collected</c> (version, <c>distinctAdded</c>, the top
/// list <c>[[itemId, collected, firstAdded], …]</c>) and parts <c>collected-0000</c>… holding
/// <c>{"itemId": [collected, firstAdded]}</c>, all in the inventory's partition of the projections container.
/// </summary>
public sealed class CollectedViewDocument : IViewCodec<CollectedView>
{
    public const string DocumentId = "collected";

    public string Id => DocumentId;

    public string PartId(int bucket) => PartDocuments.PartId(DocumentId, bucket);

    public string InventoryIdOf(CollectedView view) => view.InventoryId;

    public byte[] Encode(CollectedView view) => JsonDocumentWriter.Write(writer =>
    {
        JsonDocumentWriter.WriteStart(writer, DocumentId, view.InventoryId, DocumentId);
        writer.WriteNumber("version", view.Version);
        writer.WriteNumber("distinctAdded", view.DistinctAdded);
        writer.WriteStartArray("top");
        foreach (var total in view.Top)
            WriteTotal(writer, total);
        writer.WriteEndArray();
        PartDocuments.WriteRootFields(writer, view.Parts);
        ParkingFields.Write(writer, view.Parked, view.FailedDeliveries);
        writer.WriteEndObject();
    }, 512);

    public IEnumerable<(string Id, byte[] Document)> EncodeChangedParts(CollectedView view) =>
        PartDocuments.EncodeChanged(DocumentId, view.InventoryId, view.Parts, (writer, bucket) =>
        {
            foreach (var (itemId, total) in bucket.Totals)
            {
                writer.WritePropertyName(itemId);
                writer.WriteStartArray();
                writer.WriteNumberValue(total.Collected);
                writer.WriteNumberValue(total.FirstAdded);
                writer.WriteEndArray();
            }
        });

    public CollectedView Decode(JsonElement document)
    {
        try
        {
            var (parked, failedDeliveries) = ParkingFields.Read(document);
            return new CollectedView(
                document.GetProperty("inventoryId").GetString()!,
                document.GetProperty("version").GetInt64(),
                document.GetProperty("distinctAdded").GetInt64(),
                [.. document.GetProperty("top").EnumerateArray().Select(t => new CollectedTotal(t[0].GetString()!, t[1].GetInt64(), t[2].GetInt64()))],
                PartDocuments.ReadRootFields<CollectedBucket>(document) ?? throw new InvalidDataException("The collected view names no generation."))
            {
                Parked = parked,
                FailedDeliveries = failedDeliveries,
            };
        }
        catch (Exception ex) when (PartDocuments.IsMalformed(ex))
        {
            throw new InvalidDataException($"Document is not a valid collected view: {ex.Message}", ex);
        }
    }

    public CollectedView WithParts(CollectedView view, IReadOnlyCollection<int> buckets, IEnumerable<JsonElement> parts) =>
        view with
        {
            Parts = PartDocuments.Load(view.Parts, buckets, parts, (bucket, items) => new CollectedBucket(bucket,
                items.EnumerateObject().ToImmutableSortedDictionary(i => i.Name, i => new CollectedTotal(i.Name, i.Value[0].GetInt64(), i.Value[1].GetInt64()), StringComparer.Ordinal))),
        };

    private static void WriteTotal(Utf8JsonWriter writer, CollectedTotal total)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(total.ItemId);
        writer.WriteNumberValue(total.Collected);
        writer.WriteNumberValue(total.FirstAdded);
        writer.WriteEndArray();
    }
}
