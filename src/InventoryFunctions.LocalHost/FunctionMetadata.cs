using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InventoryFunctions.LocalHost.Rpc;

namespace InventoryFunctions.LocalHost;

/// <summary>
/// A function as the host knows it after indexing: from the worker's <c>FunctionMetadataResponse</c>, or from
/// <c>functions.metadata</c> when the worker asks the host to index. Bindings stay raw JSON objects, the form both
/// sources share.
/// </summary>
public sealed record FunctionMetadata(
    string FunctionId,
    string Name,
    string ScriptFile,
    string EntryPoint,
    string Language,
    IReadOnlyList<JsonObject> Bindings,
    RetryPolicy? Retry,
    IReadOnlyDictionary<string, string> Properties)
{
    public JsonObject? Trigger => Bindings.FirstOrDefault(b => ((string?)b["type"])?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true);

    public string? TriggerType => (string?)Trigger?["type"];

    public bool IsHttpTrigger => string.Equals(TriggerType, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    public static FunctionMetadata FromRpc(RpcFunctionMetadata rpc) => new(
        rpc.FunctionId,
        rpc.Name,
        rpc.ScriptFile,
        rpc.EntryPoint,
        rpc.Language,
        [.. rpc.RawBindings.Select(b => JsonNode.Parse(b)!.AsObject())],
        rpc.RetryOptions is { } retry ? RetryPolicy.FromRpc(retry) : null,
        rpc.Properties.ToDictionary(p => p.Key, p => p.Value));

    /// <summary>The entries of a <c>functions.metadata</c> file (host indexing). Function ids are made up by the host.</summary>
    public static IReadOnlyList<FunctionMetadata> ReadFile(string path)
    {
        var functions = JsonNode.Parse(File.ReadAllText(path))!.AsArray();
        return [.. functions.Select(f => f!.AsObject()).Select(f => new FunctionMetadata(
            Guid.NewGuid().ToString(),
            (string)f["name"]!,
            (string?)f["scriptFile"] ?? "",
            (string?)f["entryPoint"] ?? "",
            (string?)f["language"] ?? "dotnet-isolated",
            [.. f["bindings"]!.AsArray().Select(b => b!.AsObject())],
            f["retry"] is JsonObject retry ? RetryPolicy.FromJson(retry) : null,
            f["properties"] is JsonObject properties
                ? properties.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value?.ToJsonString() ?? "")
                : new Dictionary<string, string>()))];
    }

    /// <summary>What the host sends in <c>FunctionLoadRequest</c>: name, paths, and one <c>BindingInfo</c> per binding.</summary>
    public RpcFunctionMetadata ToLoadMetadata(string scriptRoot)
    {
        var metadata = new RpcFunctionMetadata
        {
            FunctionId = FunctionId,
            Name = Name,
            Directory = scriptRoot,
            ScriptFile = Path.GetFullPath(ScriptFile, scriptRoot),
            EntryPoint = EntryPoint,
            Language = Language,
        };
        foreach (var binding in Bindings)
            metadata.Bindings.Add((string)binding["name"]!, ToBindingInfo(binding));
        foreach (var (key, value) in Properties)
            metadata.Properties.Add(key, value);
        return metadata;
    }

    private static BindingInfo ToBindingInfo(JsonObject binding)
    {
        var info = new BindingInfo
        {
            Type = (string)binding["type"]!,
            Direction = Enum.Parse<BindingInfo.Types.Direction>((string?)binding["direction"] ?? "in", ignoreCase: true),
        };
        if ((string?)binding["dataType"] is { } dataType)
            info.DataType = Enum.Parse<BindingInfo.Types.DataType>(dataType, ignoreCase: true);
        return info;
    }
}

/// <summary>A function's retry policy as the host applies it: <c>fixedDelay</c> or <c>exponentialBackoff</c>; -1 retries forever.</summary>
public sealed record RetryPolicy(string Strategy, int MaxRetryCount, TimeSpan? DelayInterval, TimeSpan? MinimumInterval, TimeSpan? MaximumInterval)
{
    public const string FixedDelay = "fixedDelay";
    public const string ExponentialBackoff = "exponentialBackoff";

    public bool AllowsRetry(int retriesSoFar) => MaxRetryCount == -1 || retriesSoFar < MaxRetryCount;

    /// <summary>
    /// The wait before retry number <paramref name="retry"/> (1-based). Exponential backoff doubles from the minimum up to
    /// the maximum with ±20 % jitter, as the WebJobs SDK's randomized exponential backoff does.
    /// </summary>
    public TimeSpan DelayBefore(int retry)
    {
        if (Strategy == FixedDelay)
            return DelayInterval ?? TimeSpan.Zero;
        var minimum = MinimumInterval ?? TimeSpan.Zero;
        var maximum = MaximumInterval ?? TimeSpan.MaxValue;
        var nominal = minimum.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 30));
        var jittered = nominal * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, minimum.TotalMilliseconds, maximum.TotalMilliseconds));
    }

    public static RetryPolicy FromRpc(RpcRetryOptions options) =>
        options.RetryStrategy == RpcRetryOptions.Types.RetryStrategy.FixedDelay
            ? new(FixedDelay, options.MaxRetryCount, options.DelayInterval?.ToTimeSpan(), null, null)
            : new(ExponentialBackoff, options.MaxRetryCount, null, options.MinimumInterval?.ToTimeSpan(), options.MaximumInterval?.ToTimeSpan());

    public static RetryPolicy FromJson(JsonObject retry) => new(
        (string)retry["strategy"]!,
        (int?)retry["maxRetryCount"] ?? 0,
        ParseInterval(retry["delayInterval"]),
        ParseInterval(retry["minimumInterval"]),
        ParseInterval(retry["maximumInterval"]));

    private static TimeSpan? ParseInterval(JsonNode? value) =>
        value is null ? null : TimeSpan.Parse((string)value!, CultureInfo.InvariantCulture);
}
