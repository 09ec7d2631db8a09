using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.Testing;

/// <summary>One Cosmos DB round trip as it crossed the wire.</summary>
/// <param name="Operation">Read, Create, Upsert, Replace, Patch, Delete, Query, Batch, ChangeFeed, ReadFeed, or Metadata (account, database, container, ranges).</param>
/// <param name="PartitionKey">The <c>x-ms-documentdb-partitionkey</c> header as sent (<c>["inv-1"]</c>), if any.</param>
/// <param name="ItemCount">Documents in the answer (<c>x-ms-item-count</c>), for queries and feeds.</param>
/// <param name="Body">The answer's body, kept only for the operations the proxy was asked to keep (<see cref="CosmosRequestProxy.KeepBodiesOf"/>).</param>
/// <param name="RequestCharge">Request units charged (<c>x-ms-request-charge</c>).</param>
/// <param name="DocumentId">The document a point operation is about: from the path (read, replace, patch, delete) or the body (create, upsert).</param>
public sealed record CosmosRequest(string Method, string Path, string Operation, string? Container, string? PartitionKey, int Status, int? ItemCount, double RequestCharge, byte[]? Body,
    string? DocumentId = null)
{
    /// <summary>Whether the request is scoped to one logical partition, the partition key value given unquoted.</summary>
    public bool IsFor(string partitionKey) => PartitionKey == $"[\"{partitionKey}\"]";

    /// <summary>Bytes of the request's body as the client sent it (a batch: every operation with its document or patch).</summary>
    public long RequestBodyBytes { get; init; }

    /// <summary>Bytes of the request line and headers as the client sent them (<c>name: value</c> + CRLF each; HTTP/1.1 framing).</summary>
    public long RequestHeaderBytes { get; init; }

    /// <summary>Bytes of the answer's body.</summary>
    public long ResponseBodyBytes { get; init; }

    /// <summary>Bytes of the answer's status line and headers (as HTTP/1.1 would frame them).</summary>
    public long ResponseHeaderBytes { get; init; }

    public override string ToString() => $"{Operation} {Method} {Path} pk={PartitionKey} → {Status}";
}

/// <summary>
/// A counting reverse proxy in front of a Cosmos DB endpoint (Kestrel on a free loopback port, HttpClient behind): an
/// app whose <c>CosmosDb</c> connection string names the proxy (Gateway mode, LimitToEndpoint, as the app uses for
/// loopback endpoints) sends every round trip through it, retries included, so tests and benchmarks count what an app
/// in another process costs, by operation, container and partition key.
/// </summary>
public sealed class CosmosRequestProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Host",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentQueue<CosmosRequest> _requests = new();

    private CosmosRequestProxy(WebApplication app, HttpClient upstream, Uri endpoint, string accountKey)
    {
        _app = app;
        _upstream = upstream;
        Endpoint = endpoint;
        ConnectionString = $"AccountEndpoint={endpoint};AccountKey={accountKey};";
    }

    public Uri Endpoint { get; }

    /// <summary>What to give the app as its <c>CosmosDb</c> setting.</summary>
    public string ConnectionString { get; }

    /// <summary>Every round trip since the start or the last <see cref="Reset"/>, in the order they were answered.</summary>
    public IReadOnlyList<CosmosRequest> Requests => [.. _requests];

    public void Reset() => _requests.Clear();

    /// <summary>
    /// The round trips the app's code asked for (documents, queries, batches, feeds), without the SDK's own metadata
    /// reads (account, containers, partition ranges) that its caches make once: what a request handler in the
    /// client's pipeline would count.
    /// </summary>
    public IReadOnlyList<CosmosRequest> DataRequests => [.. _requests.Where(r => r.Operation != "Metadata")];

    /// <summary>Raised for every round trip as it is answered (on the proxy's threads), for running tallies.</summary>
    public event Action<CosmosRequest>? Answered;

    /// <summary>Operations whose answers are kept in <see cref="CosmosRequest.Body"/> (e.g. "ChangeFeed", to see what a processor was handed).</summary>
    public ISet<string> KeepBodiesOf { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Round trips on documents of one container and partition key (the requests one inventory costs).</summary>
    public IReadOnlyList<CosmosRequest> For(string container, string partitionKey) =>
        [.. _requests.Where(r => r.Container == container && r.IsFor(partitionKey))];

    public static async Task<CosmosRequestProxy> StartAsync(Uri target, string accountKey = CosmosDevServer.AccountKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var upstream = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false })
        {
            BaseAddress = target,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        CosmosRequestProxy? proxy = null;
        app.Run(context => proxy!.ForwardAsync(context));
        await app.StartAsync();
        proxy = new CosmosRequestProxy(app, upstream, new Uri(app.Urls.First() + "/"), accountKey);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path.Value + request.QueryString);
        var (operation, container, partitionKey) = Classify(request);
        var sent = new CountingStream(request.Body);
        string? documentId = null;
        if (operation is "Create" or "Upsert")
        {
            // A created document is named only in its body: read it whole (at most the 2 MB an item may have) to see its id.
            using var buffer = new MemoryStream();
            await sent.CopyToAsync(buffer, context.RequestAborted);
            documentId = IdOf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            message.Content = new ByteArrayContent(buffer.ToArray());
        }
        else if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
            message.Content = new StreamContent(sent);
        if (operation is "Read" or "Replace" or "Patch" or "Delete")
            documentId = Uri.UnescapeDataString(request.Path.Value![(request.Path.Value!.LastIndexOf('/') + 1)..]);
        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key))
                continue;
            if (!message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
                message.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
        }

        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            // An unreachable store stays unreachable for the app: no answer at all, not a made-up status.
            context.Abort();
            return;
        }
        using (response)
        {
            // Read whole before the request is recorded, so that it is counted (bytes too) before the client has its answer.
            var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            var itemCount = response.Headers.TryGetValues("x-ms-item-count", out var counts) && int.TryParse(counts.First(), CultureInfo.InvariantCulture, out var count) ? count : (int?)null;
            var charge = response.Headers.TryGetValues("x-ms-request-charge", out var charges) && double.TryParse(charges.First(), CultureInfo.InvariantCulture, out var ru) ? ru : 0;
            var answered = new CosmosRequest(request.Method, request.Path.Value!, operation, container, partitionKey, (int)response.StatusCode, itemCount, charge,
                KeepBodiesOf.Contains(operation) ? body : null, documentId)
            {
                RequestBodyBytes = sent.Count,
                RequestHeaderBytes = request.Method.Length + request.Path.Value!.Length + request.QueryString.ToString().Length + " HTTP/1.1\r\n".Length
                    + request.Headers.Sum(h => HeaderBytes(h.Key, h.Value)) + 2,
                ResponseBodyBytes = body.Length,
                ResponseHeaderBytes = "HTTP/1.1 200 OK\r\n".Length
                    + response.Headers.Concat(response.Content.Headers).Sum(h => HeaderBytes(h.Key, h.Value)) + 2,
            };
            _requests.Enqueue(answered);
            Answered?.Invoke(answered);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(header.Key))
                    context.Response.Headers[header.Key] = header.Value.ToArray();
            }
            // A 304 or 204 has no body, and Kestrel refuses even an empty write for them.
            if (body.Length > 0)
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static long HeaderBytes(string name, IEnumerable<string?> values) =>
        values.Sum(value => name.Length + 2 + (value?.Length ?? 0) + 2);

    /// <summary>Passes reads through and counts the bytes read.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            Count += read;
            return read;
        }
    }

    private static string? IdOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String ? id.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The operation from the REST shape: <c>/dbs/{db}/colls/{container}/docs[/{id}]</c> plus the SDK's headers.</summary>
    private static (string Operation, string? Container, string? PartitionKey) Classify(HttpRequest request)
    {
        var segments = request.Path.Value!.Trim('/').Split('/');
        var container = segments.Length >= 4 && segments[2] == "colls" ? Uri.UnescapeDataString(segments[3]) : null;
        var onDocuments = segments.Length >= 5 && segments[4] == "docs";
        var single = segments.Length >= 6;
        string Header(string name) => request.Headers[name].ToString();
        var operation = !onDocuments ? "Metadata"
            : request.Method switch
            {
                "GET" when single => "Read",
                "GET" when Header("A-IM").Contains("Incremental", StringComparison.OrdinalIgnoreCase) => "ChangeFeed",
                "GET" => "ReadFeed",
                "POST" when Header("x-ms-documentdb-isquery").Equals("True", StringComparison.OrdinalIgnoreCase)
                    || request.ContentType?.StartsWith("application/query+json", StringComparison.OrdinalIgnoreCase) == true => "Query",
                "POST" when Header("x-ms-cosmos-is-batch-request").Equals("True", StringComparison.OrdinalIgnoreCase) => "Batch",
                "POST" when Header("x-ms-documentdb-is-upsert").Equals("True", StringComparison.OrdinalIgnoreCase) => "Upsert",
                "POST" => "Create",
                "PUT" => "Replace",
                "PATCH" => "Patch",
                "DELETE" => "Delete",
                _ => request.Method,
            };
        var partitionKey = request.Headers["x-ms-documentdb-partitionkey"].ToString();
        return (operation, container, partitionKey.Length == 0 ? null : partitionKey);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
