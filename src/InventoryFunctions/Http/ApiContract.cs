using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace InventoryFunctions.Http;

/// <summary>
/// The API's contract: <c>OpenApi/openapi.json</c>, an OpenAPI 3.1 document written by hand and embedded in the app
/// (served at <c>GET /api/openapi.json</c>), and the reference page for people rendered from it (<c>GET /api/reference</c>).
/// Hand-written rather than generated from the C# response types so that renaming a type cannot change the contract;
/// tests prove it true instead: every route is in it, and every answer the integration tests receive matches it.
/// </summary>
public static class ApiContract
{
    public static string Json { get; } = EmbeddedPages.Read("InventoryFunctions.OpenApi.openapi.json");

    public static string ReferenceHtml { get; } = RenderReference(JsonNode.Parse(Json)!.AsObject());

    /// <summary>No script at all; the one style block by hash.</summary>
    public static string ReferenceContentSecurityPolicy { get; } =
        $"default-src 'none'; style-src {EmbeddedPages.HashSourceOf(ReferenceHtml, "style")}; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

    private const string Style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1b1b1b}
        h2{margin-top:2rem;border-bottom:1px solid #ccc}section{margin:1rem 0 1.5rem}code{font:13px ui-monospace,monospace}
        .m{display:inline-block;min-width:4.5rem;font-weight:600}table{border-collapse:collapse;width:100%}
        td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
        """;

    private static string RenderReference(JsonObject document)
    {
        var html = new StringBuilder();
        var info = document["info"]!;
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(Encode(info["title"])).Append(" API reference</title><style>").Append(Style).Append("</style></head><body>")
            .Append("<h1>").Append(Encode(info["title"])).Append(" API <small>").Append(Encode(info["version"])).Append("</small></h1>")
            .Append("<p>").Append(Encode(info["description"])).Append("</p>")
            .Append("<p>The machine-readable contract: <a href=\"openapi.json\">openapi.json</a> (OpenAPI ").Append(Encode(document["openapi"]))
            .Append("). Paths are under <code>/api</code>. <a href=\"explorer\">Inventory explorer</a>.</p>");
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                html.Append("<section><h2><span class=\"m\">").Append(method.ToUpperInvariant()).Append("</span><code>/api").Append(Encode(path)).Append("</code></h2>")
                    .Append("<p>").Append(Encode(operation["summary"]));
                if (operation["description"] is { } description)
                    html.Append(". ").Append(Encode(description));
                if (operation["security"] is JsonArray { Count: 0 })
                    html.Append(" <em>Anonymous.</em>");
                html.Append("</p>");
                if (operation["parameters"] is JsonArray parameters)
                {
                    html.Append("<table><tr><th>parameter</th><th>in</th><th>schema</th><th>meaning</th></tr>");
                    foreach (var parameter in parameters.Select(p => Resolve(document, p!)))
                        html.Append("<tr><td><code>").Append(Encode(parameter["name"])).Append("</code></td><td>").Append(Encode(parameter["in"]))
                            .Append("</td><td><code>").Append(Encode(Resolve(document, parameter["schema"]!).ToJsonString())).Append("</code></td><td>")
                            .Append(Encode(parameter["description"])).Append("</td></tr>");
                    html.Append("</table>");
                }
                html.Append("<table><tr><th>status</th><th>answer</th><th>headers</th></tr>");
                foreach (var (status, response) in operation["responses"]!.AsObject())
                {
                    var resolved = Resolve(document, response!);
                    html.Append("<tr><td>").Append(status).Append("</td><td>").Append(Encode(resolved["description"]));
                    foreach (var (mediaType, content) in resolved["content"]?.AsObject() ?? [])
                        html.Append(" <code>").Append(Encode(mediaType)).Append(' ').Append(Encode(SchemaName(content!["schema"]!))).Append("</code>");
                    html.Append("</td><td>").Append(Encode(string.Join(", ", resolved["headers"]?.AsObject().Select(h => h.Key) ?? []))).Append("</td></tr>");
                }
                html.Append("</table></section>");
            }
        }
        html.Append("<h2>Problem types</h2><ul>");
        foreach (var type in document["components"]!["schemas"]!["ProblemType"]!["enum"]!.AsArray())
            html.Append("<li><code>").Append(Encode(type)).Append("</code></li>");
        return html.Append("</ul></body></html>").ToString();
    }

    /// <summary>A schema as the reference names it: the component it refers to, or the components one of which it is.</summary>
    private static string SchemaName(JsonNode schema) =>
        schema["$ref"] is { } reference ? reference.GetValue<string>()[(reference.GetValue<string>().LastIndexOf('/') + 1)..]
        : schema["oneOf"] is JsonArray choices ? string.Join(" | ", choices.Select(c => SchemaName(c!)))
        : schema["type"]?.ToJsonString() ?? "";

    /// <summary>The object a local <c>$ref</c> names (<c>#/components/…</c>), or the node itself.</summary>
    public static JsonObject Resolve(JsonObject document, JsonNode node)
    {
        while (node["$ref"] is { } reference)
            node = reference.GetValue<string>().TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Aggregate((JsonNode)document, (at, segment) => at[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]
                    ?? throw new InvalidOperationException($"The OpenAPI document has no {reference}."));
        return node.AsObject();
    }

    private static string Encode(JsonNode? text) => Encode(text?.GetValue<string>() ?? "");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
