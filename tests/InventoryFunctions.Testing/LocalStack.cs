using System.Globalization;
using InventoryFunctions.Cosmos;
using InventoryFunctions.LocalHost;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Testing;

/// <summary>
/// The local stack, the one way tests and benchmarks stand it up: the Cosmos DB dev server (or the Cosmos DB named by
/// <c>CosmosDb</c>, when asked) and Azurite as child processes on free loopback ports, the containers and queue
/// provisioned (by the local host's <c>provision</c>, as <c>./run.sh</c> does), and the app started on them
/// (<see cref="LocalApp"/>: its real worker under the local Functions host). More app instances can join the same stores.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private LocalStack(CosmosDevServer cosmos, AzuriteServer azurite)
    {
        Cosmos = cosmos;
        Azurite = azurite;
        Client = cosmos.CreateClient();
    }

    public CosmosDevServer Cosmos { get; }

    public AzuriteServer Azurite { get; }

    /// <summary>The app every test shares; more instances with <see cref="StartAppAsync"/>.</summary>
    public LocalApp App { get; private set; } = null!;

    /// <summary>A client of the stack's own (not the app's), for arranging and inspecting documents directly.</summary>
    public CosmosClient Client { get; }

    public CosmosOptions Options => Services.GetRequiredService<IOptions<CosmosOptions>>().Value;

    /// <summary>
    /// The app's own registrations built in this process over the stack's settings (the store's client, not the proxy):
    /// for tests of the adapters themselves (a <c>CosmosInventoryStream</c> as another instance would have it), not of the
    /// running app, which lives in its worker process.
    /// </summary>
    public IServiceProvider Services => _services ??= new ServiceCollection()
        .AddLogging()
        .AddInventory(new ConfigurationBuilder().AddInMemoryCollection(AppSettings()).Build())
        .BuildServiceProvider();

    private ServiceProvider? _services;

    public Container Events => Client.GetContainer(Options.DatabaseName, Options.EventsContainerName);

    /// <param name="useConfiguredCosmos">Use the Cosmos DB the <c>CosmosDb</c> variable names (the official emulator), when set.</param>
    /// <param name="settings">App settings on top of <see cref="AppSettings"/>'s.</param>
    /// <param name="configureWire">Sets up the app's Cosmos DB proxy before its first round trip.</param>
    public static async Task<LocalStack> StartAsync(bool useConfiguredCosmos = false, IReadOnlyDictionary<string, string?>? settings = null,
        Action<CosmosRequestProxy>? configureWire = null)
    {
        var cosmos = useConfiguredCosmos ? CosmosDevServer.StartUnlessConfiguredAsync() : CosmosDevServer.StartAsync();
        var azurite = AzuriteServer.StartAsync();
        LocalStack? stack = null;
        try
        {
            stack = new LocalStack(await cosmos, await azurite);
            var appSettings = OneChangeFeedSwitch(stack.AppSettings(settings));
            stack.App = await LocalApp.StartAsync(appSettings, () => ProvisionAsync(appSettings), configureWire: configureWire);
            return stack;
        }
        catch
        {
            if (stack is not null)
                await stack.DisposeAsync();
            else
                await DisposeStartedAsync(cosmos, azurite);
            throw;
        }
    }

    /// <summary>
    /// Another instance of the app (another worker under another local host) on the same stores, with settings of its
    /// own. Its change feed is off unless <paramref name="settings"/> turns it on (<see cref="ChangeFeedSwitch"/>
    /// "false"), as one would in Azure: a second processor on the same leases would split them with the first.
    /// </summary>
    public Task<LocalApp> StartAppAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<CosmosRequestProxy>? configureWire = null)
    {
        var all = AppSettings(settings);
        all.TryAdd(ChangeFeedSwitch, "true");
        return LocalApp.StartAsync(OneChangeFeedSwitch(all), configureWire: configureWire);
    }

    /// <summary>
    /// One switch for every change-feed function, where <see cref="ChangeFeedSwitch"/> is set: an instance runs all the
    /// projectors or none of them (a function's own switch, when set, wins).
    /// </summary>
    private static Dictionary<string, string?> OneChangeFeedSwitch(Dictionary<string, string?> settings)
    {
        if (settings.TryGetValue(ChangeFeedSwitch, out var disabled))
        {
            foreach (var function in InventoryFunctions.Functions.ChangeFeedFunctions.All)
                settings.TryAdd($"AzureWebJobs.{function.Name}.Disabled", disabled);
        }
        return settings;
    }

    /// <summary>The host's switch for the projector's trigger (true: disabled), an app setting as on the Functions host.</summary>
    public const string ChangeFeedSwitch = "AzureWebJobs.ProjectInventory.Disabled";

    /// <summary>The host's switch for the status timer (<c>PublishProjectionStatus</c>; true: disabled).</summary>
    public const string StatusTimerSwitch = "AzureWebJobs.PublishProjectionStatus.Disabled";

    /// <summary>The host's switch for the timer that drives transfers left debited (<c>RecoverTransfers</c>; true: disabled).</summary>
    public const string TransferRecoverySwitch = "AzureWebJobs.RecoverTransfers.Disabled";

    /// <summary>Creates the database, containers and poison queue named by <paramref name="settings"/> (the local host's provision).</summary>
    public static Task ProvisionAsync(IReadOnlyDictionary<string, string?> settings) =>
        LocalProvisioner.EnsureAsync(HostSettings.Load(LocalApp.ScriptRoot, settings), TextWriter.Null);

    /// <summary>The app settings for this stack (as local.settings.json holds them), with <paramref name="overrides"/> on top.</summary>
    public Dictionary<string, string?> AppSettings(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [InventoryFunctions.AppSettings.CosmosConnection] = Cosmos.ConnectionString,
            [InventoryFunctions.AppSettings.DatabaseName] = "inventory",
            [InventoryFunctions.AppSettings.EventsContainerName] = "events",
            [InventoryFunctions.AppSettings.ProjectionsContainerName] = "projections",
            [InventoryFunctions.AppSettings.LeasesContainerName] = "leases",
            [InventoryFunctions.AppSettings.PoisonQueueConnection] = Azurite.ConnectionString,
            [InventoryFunctions.AppSettings.PoisonQueueName] = "projection-poison",
            [InventoryFunctions.AppSettings.RebuildQueueName] = "projection-rebuilds",
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["Logging:LogLevel:Default"] = "Warning",
            // The change feed polled every 200 ms instead of the trigger's 1 s: tests wait less for projections.
            ["LocalHost:FeedPollDelayMs"] = "200",
            // The status timer's estimates would land among the Cosmos requests tests count: off unless a test turns it
            // on (StatusTimerSwitch "false"), and then every second, so that tests wait less for a published status.
            [StatusTimerSwitch] = "true",
            [InventoryFunctions.AppSettings.ProjectionStatusSchedule] = "*/1 * * * * *",
            // The transfer recovery timer: every 2 s where a test turns it on (TransferRecoverySwitch "false").
            [TransferRecoverySwitch] = "true",
            [InventoryFunctions.AppSettings.TransferRecoverySchedule] = "*/2 * * * * *",
        };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
            settings[name] = value;
        return settings;
    }

    /// <summary>A setting value for an integer, as configuration holds it.</summary>
    public static string Setting(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string NewInventoryId(string prefix = "inv") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 33)];

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
            await App.DisposeAsync();
        if (_services is not null)
            await _services.DisposeAsync();
        Client.Dispose();
        await Cosmos.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    private static async Task DisposeStartedAsync(Task<CosmosDevServer> cosmos, Task<AzuriteServer> azurite)
    {
        if (cosmos.IsCompletedSuccessfully)
            await cosmos.Result.DisposeAsync();
        if (azurite.IsCompletedSuccessfully)
            await azurite.Result.DisposeAsync();
    }
}
