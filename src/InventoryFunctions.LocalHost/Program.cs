using InventoryFunctions.LocalHost;

// InventoryFunctions.LocalHost [provision] [--script-root <app output>] [--urls <url>[;<url>]]
//   provision   create the database, containers and poison queue the app expects on local stand-ins, then exit
//   (default)   run the app's worker and serve its functions, like `func start`
var verb = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "start";
var scriptRoot = Path.GetFullPath(Option("--script-root") ?? Directory.GetCurrentDirectory());
var urls = (Option("--urls") ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? LocalHostOptions.DefaultUrl)
    .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

switch (verb)
{
    case "provision":
        await LocalProvisioner.EnsureAsync(HostSettings.Load(scriptRoot), Console.Out);
        return 0;
    case "start":
        var app = LocalHostApp.Build(new LocalHostOptions { ScriptRoot = scriptRoot, Urls = urls });
        await app.RunAsync();
        return 0;
    default:
        await Console.Error.WriteLineAsync($"Unknown command '{verb}'. Use 'start' (default) or 'provision'.");
        return 2;
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
