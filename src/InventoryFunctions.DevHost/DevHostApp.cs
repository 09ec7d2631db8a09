using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.DevHost;

/// <summary>Builds the dev host: the app's own registrations plus one endpoint per HTTP function.</summary>
public static class DevHostApp
{
    public const string DefaultUrl = "http://localhost:7071";

    /// <param name="overrides">Settings that win over everything else (tests point the app at their own servers).</param>
    /// <param name="configureServices">Registrations added after the app's own (tests add request counters).</param>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Local settings first, then the environment and the command line on top, as on the Functions host.
        builder.Configuration.AddInMemoryCollection(LocalSettings.Read(Path.Combine(AppContext.BaseDirectory, "local.settings.json")));
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        if (overrides is not null)
            builder.Configuration.AddInMemoryCollection(overrides);
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? DefaultUrl);

        builder.Services.AddInventory(builder.Configuration);
        builder.Services.AddMvcCore();
        // "AzureWebJobs.<Function>.Disabled" is the Functions host's own switch; the older DevHost:ChangeFeed still works.
        if (builder.Configuration.GetValue("DevHost:ChangeFeed", defaultValue: true)
            && !builder.Configuration.GetValue("AzureWebJobs.ProjectInventory.Disabled", defaultValue: false))
            builder.Services.AddHostedService<ChangeFeedFunctionHost>();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        foreach (var function in HttpFunctionCatalog.Discover(typeof(AppSettings).Assembly))
        {
            // Like `func start`, function keys are not enforced locally.
            app.MapMethods("api/" + function.Route, function.Methods, context => HttpFunctionInvoker.InvokeAsync(function, context))
               .WithDisplayName(function.Name);
        }
        return app;
    }
}
