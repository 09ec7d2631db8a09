using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using InventoryFunctions.IntegrationTests.Infrastructure;
using InventoryFunctions.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace InventoryFunctions.IntegrationTests;

[Collection(LocalStackGroup.Name)]
public sealed class HealthTests(LocalStackFixture stack)
{
    [Fact]
    public async Task Health_is_200_when_Cosmos_answers()
    {
        using var response = await stack.Http.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("cosmos").GetString());
    }

    [Fact]
    public async Task Health_is_503_problem_when_Cosmos_does_not_answer()
    {
        // A port nothing listens on: the app starts, Cosmos cannot be reached.
        await using var app = await LocalApp.StartAsync(new Dictionary<string, string?>
        {
            [AppSettings.CosmosConnection] = "AccountEndpoint=http://127.0.0.1:9/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==;",
            ["Logging:LogLevel:Default"] = "None",
            [LocalStack.ChangeFeedSwitch] = "true",
        });
        using var http = app.CreateHttpClient();

        using var response = await http.GetAsync("health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.EndsWith("/service-unavailable", problem.GetProperty("type").GetString());
    }
}
