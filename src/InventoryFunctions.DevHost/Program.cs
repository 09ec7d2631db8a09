using Azure.Storage.Queues;
using InventoryFunctions.DevHost;
using InventoryFunctions.Application;
using InventoryFunctions.Cosmos;
using InventoryFunctions.Cosmos.Documents;
using InventoryFunctions.Queues;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

// `provision` creates the local database, containers and poison queue, then exits; anything else serves the app.
var provisioning = args.Contains("provision");
var app = DevHostApp.Build([.. args.Where(a => a != "provision")]);
if (provisioning)
{
    await LocalProvisioner.EnsureAsync(
        app.Services.GetRequiredService<CosmosClient>(),
        app.Services.GetRequiredService<IOptions<CosmosOptions>>().Value,
        StoragePoisonQueue.CreateClient(app.Configuration));
    Console.WriteLine("Cosmos DB database, containers and the poison queue are ready.");
    return;
}
await app.RunAsync();
