using InventoryFunctions;
using InventoryFunctions.Http.Auth;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<InventoryFunctions.Functions.CosmosRequestOrigin>();
// After the ASP.NET Core integration's own middleware, so the request is there to check and a refusal is answered.
builder.UseMiddleware<BearerAuthenticationMiddleware>();
builder.Services.AddInventory(builder.Configuration);
builder.Build().Run();
