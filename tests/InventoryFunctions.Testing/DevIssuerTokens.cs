using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace InventoryFunctions.Testing;

/// <summary>Tokens from the local host's development issuer, over HTTP as any client gets them.</summary>
public static class DevIssuerTokens
{
    /// <summary>
    /// <c>POST {issuerBase}token</c>: a token for <paramref name="subject"/>; a negative <paramref name="lifetimeSeconds"/>
    /// gives an expired one, <paramref name="notBeforeSeconds"/> one not valid yet, <paramref name="audience"/> another audience.
    /// </summary>
    public static async Task<string> IssueAsync(Uri issuerBase, string subject, IEnumerable<string>? roles = null, int lifetimeSeconds = 3600,
        string? audience = null, int? notBeforeSeconds = null, string? appId = null)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync(new Uri(issuerBase, "token"), new
        {
            sub = subject,
            roles = roles?.ToArray() ?? [],
            lifetimeSeconds,
            aud = audience,
            azp = appId,
            notBeforeSeconds,
        });
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"The development issuer refused a token: {(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// <c>http://127.0.0.1:{a free port}</c>: a host's address chosen before it starts, since the issuer it serves is
    /// named after it and the app must be told that name (<c>AuthIssuer</c>) when it starts.
    /// </summary>
    public static string FreeLoopbackOrigin()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }
}
