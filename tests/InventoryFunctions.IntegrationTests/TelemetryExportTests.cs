using System.Collections.Concurrent;
using System.Net;
using System.Text;
using InventoryFunctions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// Telemetry leaves the app: the worker started with <c>TelemetryExporter=otlp</c> and the standard OTLP settings
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, http/protobuf) sends metrics of the app's meters and traces of its requests
/// down to Cosmos DB to an OTLP/HTTP receiver in the test. The payloads are protobuf; the test looks for the names it
/// expects as UTF-8 bytes inside them (strings are stored verbatim in protobuf).
/// </summary>
[Collection(LocalStackGroup.Name)]
public sealed class TelemetryExportTests(LocalStackFixture stack)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_an_OTLP_endpoint_the_app_exports_its_meters_and_traces_from_HTTP_down_to_Cosmos_DB()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await stack.StartAppAsync(new Dictionary<string, string?>
        {
            [Telemetry.ExporterSetting] = "otlp",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Export within a second instead of a minute (metrics) and five seconds (traces).
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
        });
        using var http = app.CreateHttpClient();
        var inventoryId = LocalStack.NewInventoryId("otel");

        var added = await http.AddItemAsync(inventoryId, "sword", 1);

        Assert.Equal(HttpStatusCode.Created, added.Status);
        await receiver.WaitForAsync("/v1/metrics", [CosmosRequestMetricsName, "cosmos.requests", "cosmos.request_charge"], Within);
        // Spans of the worker's ASP.NET Core request, of the function, and of the Cosmos DB SDK's operations (the
        // append is a transactional batch); their batches may arrive in more than one export.
        await receiver.WaitForAsync("/v1/traces", ["Microsoft.AspNetCore", "function AddItem", Telemetry.CosmosActivitySource, "execute_batch"], Within);
    }

    private const string CosmosRequestMetricsName = "InventoryFunctions.Cosmos";

    /// <summary>An OTLP/HTTP receiver: accepts <c>POST /v1/metrics</c> and <c>/v1/traces</c> and keeps the bodies.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, byte[] Body, string? ContentType)> _received = new();

        private OtlpReceiver(WebApplication app) => _app = app;

        public Uri Endpoint => new(_app.Urls.First());

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            foreach (var signal in new[] { "/v1/metrics", "/v1/traces", "/v1/logs" })
                app.MapPost(signal, async (HttpRequest request) =>
                {
                    using var body = new MemoryStream();
                    await request.Body.CopyToAsync(body);
                    receiver._received.Enqueue((signal, body.ToArray(), request.ContentType));
                    return Results.Bytes([], "application/x-protobuf"); // an empty Export*ServiceResponse
                });
            await app.StartAsync();
            return receiver;
        }

        /// <summary>Waits until the payloads received on <paramref name="path"/> contain every name, asserting they do.</summary>
        public async Task WaitForAsync(string path, string[] names, TimeSpan within)
        {
            await Eventually.UntilAsync($"OTLP {path} payloads with {string.Join(", ", names)}", () =>
            {
                var payloads = _received.Where(r => r.Path == path && r.ContentType == "application/x-protobuf").ToList();
                return names.All(n => payloads.Any(r => Contains(r.Body, n)));
            }, within, TimeSpan.FromMilliseconds(200), detail: () =>
            {
                var seen = _received.Where(r => r.Path == path).ToList();
                return $"Received {seen.Count} on {path} ({string.Join(", ", names.Select(n => $"{n}: {seen.Any(r => Contains(r.Body, n))}"))}), "
                    + $"{_received.Count} in all. Their text: " + string.Join(" | ", seen.Select(r => Printable(r.Body)));
            });
        }

        /// <summary>The strings in a protobuf payload, roughly: its runs of printable ASCII.</summary>
        private static string Printable(byte[] body) =>
            string.Join(" ", System.Text.RegularExpressions.Regex.Matches(Encoding.ASCII.GetString(body), "[ -~]{4,}").Select(m => m.Value)) is var text && text.Length > 2000 ? text[..2000] : text;

        private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
