using System.Text.Json;

namespace InventoryFunctions.DevHost;

/// <summary>
/// Reads the <c>Values</c> of <c>local.settings.json</c> as Core Tools does, so the dev host sees the same app
/// settings as <c>func start</c>. Environment variables still win, as they do on the Functions host.
/// </summary>
internal static class LocalSettings
{
    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        if (!File.Exists(path))
            return new Dictionary<string, string?>();
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return document.RootElement.TryGetProperty("Values", out var values)
            ? values.EnumerateObject().ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.ToString())
            : new Dictionary<string, string?>();
    }
}
