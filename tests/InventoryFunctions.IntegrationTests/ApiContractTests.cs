using System.Net;
using InventoryFunctions.Http;
using InventoryFunctions.IntegrationTests.Infrastructure;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The app serves its contract: the OpenAPI document (byte for byte the one the checker under <see cref="ApiClient"/>
/// holds every answer to) and the reference page rendered from it, both anonymous, and links one to the other.
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class ApiContractTests(LocalStackFixture stack)
{
    [Fact]
    public async Task The_app_serves_the_OpenAPI_document_the_tests_check_its_answers_against()
    {
        using var response = await stack.Http.GetAsync("openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ApiContract.Json, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_reference_page_and_the_explorer_link_to_each_other_and_allow_no_script_on_the_reference()
    {
        using var reference = await stack.Http.GetAsync("reference");
        using var explorer = await stack.Http.GetAsync("explorer");

        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal(ApiContract.ReferenceContentSecurityPolicy, string.Join(", ", reference.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("<a href=\"explorer\">", await reference.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, explorer.StatusCode);
        Assert.Contains("<a href=\"reference\">API reference</a>", await explorer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
