using InventoryFunctions.Http;

namespace InventoryFunctions.Tests.Http;

public sealed class RouteTableTests
{
    private static readonly RouteTable Routes = new(typeof(RouteTable).Assembly, except: "UnknownRoute");

    [Theory]
    [InlineData("inventories/inv-1", new[] { "GET" })]
    [InlineData("inventories/inv-1/items", new[] { "POST" })]
    [InlineData("/inventories/inv-1/items/sword", new[] { "DELETE" })]
    [InlineData("inventories/inv-1/events", new[] { "GET", "POST" })]
    [InlineData("projections/rebuild", new[] { "POST" })]
    [InlineData("projections/rebuild/0123456789abcdef0123456789abcdef", new[] { "GET" })]
    public void Known_routes_list_the_methods_their_functions_serve(string path, string[] methods)
    {
        Assert.Equal(methods, Routes.MethodsAt(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("inventory/inv-1")]
    [InlineData("inventories/inv-1/items/sword/extra")]
    public void Unknown_routes_list_no_method(string path)
    {
        Assert.Empty(Routes.MethodsAt(path));
    }
}
