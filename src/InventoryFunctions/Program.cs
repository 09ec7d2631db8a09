using InventoryFunctions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<InventoryFunctions.Functions.CosmosRequestOrigin>();
builder.Services.AddInventory(builder.Configuration);
builder.Build().Run();
