using InventoryFunctions.DevHost;
using InventoryFunctions.Storage;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

// `provision` creates the local database and containers, then exits; anything else serves the app.
var app = DevHostApp.Build(args.Where(a => a != "provision").ToArray());
if (args.Contains("provision"))
{
    await LocalCosmosProvisioner.EnsureAsync(app.Services.GetRequiredService<CosmosClient>(), app.Services.GetRequiredService<IOptions<CosmosOptions>>().Value);
    Console.WriteLine("Cosmos DB database and containers are ready.");
    return;
}
await app.RunAsync();
