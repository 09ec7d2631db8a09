using System.Globalization;
using System.Text.Json.Nodes;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// What every non-HTTP trigger listener shares: its function, the one way its binding's properties are read (as
/// functions.metadata writes them: strings, or JSON booleans and numbers), connection settings looked up, and an
/// invocation built and handed to a worker (<see cref="TriggerInvocation"/>).
/// </summary>
public abstract class TriggerListener : IAsyncDisposable
{
    private readonly WorkerHost _workers;

    protected TriggerListener(FunctionMetadata function, HostSettings settings, WorkerHost workers, LocalHostOptions options, ILoggerFactory loggers)
    {
        Function = function;
        Settings = settings;
        Options = options;
        _workers = workers;
        Logger = loggers.CreateLogger($"Function.{function.Name}");
    }

    public FunctionMetadata Function { get; }

    protected HostSettings Settings { get; }

    protected LocalHostOptions Options { get; }

    protected ILogger Logger { get; }

    private JsonObject Binding => Function.Trigger!;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>A binding property that must be there (a non-empty string).</summary>
    protected string Required(string name) =>
        Optional(name) ?? throw new InvalidOperationException($"Function {Function.Name}: the {Function.TriggerType} binding has no '{name}'.");

    /// <summary>A binding property as a string; null when absent or empty.</summary>
    protected string? Optional(string name) => Binding[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    /// <summary>A binding property that is a boolean (or its text); null when absent or not a boolean.</summary>
    protected bool? Flag(string name) => Binding[name] is JsonValue value
        ? value.TryGetValue<bool>(out var flag) ? flag : value.TryGetValue<string>(out var text) && bool.TryParse(text, out flag) ? flag : null
        : null;

    /// <summary>A binding property that is an integer (or its text); null when absent or not an integer.</summary>
    protected int? Number(string name) => Binding[name] is JsonValue value
        && (value.TryGetValue<int>(out var number) || (value.TryGetValue<string>(out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out number)))
        ? number : null;

    /// <summary>The connection string the setting named by the binding's <c>connection</c> (or <paramref name="defaultSetting"/>) holds.</summary>
    protected string ConnectionString(string? setting, string defaultSetting)
    {
        var name = setting ?? defaultSetting;
        return Settings[name] ?? throw new InvalidOperationException(
            $"Function {Function.Name}: the connection setting '{name}' is not set (the local host supports connection strings only).");
    }

    /// <summary>A new invocation of the function with <paramref name="trigger"/> as its trigger parameter's value.</summary>
    protected InvocationRequest NewInvocation(TypedData trigger)
    {
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString(), FunctionId = Function.FunctionId, TraceContext = new RpcTraceContext() };
        request.InputData.Add(new ParameterBinding { Name = (string)Binding["name"]!, Data = trigger });
        return request;
    }

    /// <summary>Runs the invocation on a ready worker; null when it succeeded, else why it failed.</summary>
    protected Task<string?> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken) =>
        TriggerInvocation.InvokeAsync(_workers, Options, Logger, Function.Name, request, cancellationToken);
}
