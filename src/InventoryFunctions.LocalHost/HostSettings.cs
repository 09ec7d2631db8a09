using System.Collections;
using System.Text.Json;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// The app settings as <c>func start</c> layers them: the <c>Values</c> of <c>local.settings.json</c>, then the
/// host's environment on top (a variable that is set wins), then explicit overrides (what a test or a benchmark
/// would otherwise put in the environment). Bindings resolve <c>%Name%</c> against these, and the worker process
/// gets them as its environment.
/// </summary>
public sealed class HostSettings
{
    private readonly Dictionary<string, string> _values;

    private HostSettings(Dictionary<string, string> values) => _values = values;

    /// <summary>Every setting, for the worker's environment (names as written: <c>CosmosDb__accountEndpoint</c>).</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    public static HostSettings Load(string scriptRoot, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in ReadLocalSettings(scriptRoot))
            values[name] = value;
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Value is string value && values.ContainsKey((string)variable.Key))
                values[(string)variable.Key] = value;
        }
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
                values.Remove(name);
            else
                values[name] = value;
        }
        return new HostSettings(values);
    }

    /// <summary>A setting from these values or, like the host's configuration, from the environment.</summary>
    public string? this[string name] =>
        _values.TryGetValue(name, out var value) ? value
        : _values.TryGetValue(name.Replace(":", "__", StringComparison.Ordinal), out value) ? value
        : Environment.GetEnvironmentVariable(name) ?? Environment.GetEnvironmentVariable(name.Replace(":", "__", StringComparison.Ordinal));

    /// <summary>
    /// A setting of the local host's own that, when set, must be a positive integer: anything else stops the host at
    /// start with the setting's name, rather than being ignored. Null when unset.
    /// </summary>
    public int? PositiveInteger(string name) =>
        this[name] is not { } text ? null
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value
        : throw new InvalidOperationException($"The setting '{name}' must be a positive integer, not '{text}'.");

    /// <summary>
    /// Resolves a binding expression as the host's name resolver does: <c>%Name%</c> is the setting's value (an error
    /// when unset), anything else is literal.
    /// </summary>
    public string Resolve(string expression) =>
        expression is ['%', .. var name, '%']
            ? this[name] ?? throw new InvalidOperationException($"The app setting '{name}' that a binding names (%{name}%) is not set.")
            : expression;

    private static IEnumerable<KeyValuePair<string, string>> ReadLocalSettings(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, "local.settings.json");
        if (!File.Exists(path))
            yield break;
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty(nameof(Values), out var values))
            yield break;
        foreach (var property in values.EnumerateObject())
            yield return new(property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText());
    }
}
