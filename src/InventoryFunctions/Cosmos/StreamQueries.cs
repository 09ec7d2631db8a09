using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Cosmos;

/// <summary>Queries read through the stream API, without a serializer.</summary>
internal static class StreamQueries
{
    /// <summary>Every document <paramref name="query"/> returns, page by page (each cloned: a page's buffer is released after it).</summary>
    public static async IAsyncEnumerable<JsonElement> QueryDocumentsAsync(this Container container, QueryDefinition query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var feed = container.GetItemQueryStreamIterator(query);
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            foreach (var document in body.RootElement.GetProperty("Documents").EnumerateArray())
                yield return document.Clone();
        }
    }
}
