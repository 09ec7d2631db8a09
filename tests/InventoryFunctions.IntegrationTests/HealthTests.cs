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
    public async Task Health_is_200_when_Cosmos_and_Storage_answer()
    {
        using var response = await stack.Http.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        // Other tests on the shared stack leave poison messages (degraded); OperationsTests check each state on a stack of its own.
        Assert.Contains(body.GetProperty("status").GetString(), new[] { "healthy", "degraded" });
        Assert.Equal("ok", body.GetProperty("cosmos").GetString());
        Assert.Equal("ok", body.GetProperty("storage").GetString());
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
        Assert.Equal("unhealthy", problem.GetProperty("health").GetString());
        Assert.Equal("unreachable", problem.GetProperty("cosmos").GetString());
    }
}
