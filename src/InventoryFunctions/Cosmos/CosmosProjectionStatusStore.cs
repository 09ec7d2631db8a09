using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Operations;
using InventoryFunctions.Projections;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Cosmos;

/// <summary>The published projection status (<see cref="ProjectionStatusDocument"/>): one upsert to write, one point read to read.</summary>
public sealed class CosmosProjectionStatusStore(CosmosClient client, IOptions<CosmosOptions> options) : IProjectionStatusStore
{
    private readonly Container _projections = client.GetContainer(options.Value.DatabaseName, options.Value.ProjectionsContainerName);
    private static readonly PartitionKey Partition = new(ProjectionStatusDocument.Partition);

    public async Task WriteAsync(ProjectionStatus status, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(ProjectionStatusDocument.Encode(status));
        using var response = await _projections.UpsertItemStreamAsync(body, Partition, cancellationToken: cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task<ProjectionStatus?> ReadAsync(CancellationToken cancellationToken) =>
        (await _projections.ReadDocumentAsync(ProjectionStatusDocument.Id, Partition, ProjectionStatusDocument.Decode, cancellationToken))?.Value;
}
