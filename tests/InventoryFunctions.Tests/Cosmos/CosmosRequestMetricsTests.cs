using System.Diagnostics.Metrics;
using System.Net;
using InventoryFunctions.Cosmos;
using Microsoft.Azure.Cosmos;

namespace InventoryFunctions.Tests.Cosmos;

/// <summary>The Cosmos DB request meter: each round trip counted with its charge, by operation and by origin.</summary>
public sealed class CosmosRequestMetricsTests
{
    private sealed class Answer(double charge) : RequestHandler
    {
        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            var response = new ResponseMessage(HttpStatusCode.OK, request);
            response.Headers["x-ms-request-charge"] = charge.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(response);
        }
    }

    [Fact]
    public async Task Each_request_charge_is_counted_under_its_operation_and_the_origin_of_its_flow()
    {
        using var metrics = new CosmosRequestMetrics { InnerHandler = new Answer(12.5) };
        var recorded = new List<(double Charge, string? Operation, string? Origin)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CosmosRequestMetrics.MeterName && instrument.Name == "cosmos.request_charge")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var all = tags.ToArray();
            string? Tag(string name) => all.FirstOrDefault(t => t.Key == name).Value as string;
            lock (recorded)
                recorded.Add((value, Tag("operation"), Tag("origin")));
        });
        listener.Start();

        await Task.Run(async () =>
        {
            CosmosRequestMetrics.Origin = "ProjectInventory";
            using var _ = await metrics.SendAsync(new RequestMessage(HttpMethod.Get, new Uri("dbs/db/colls/events/docs/head", UriKind.Relative)), CancellationToken.None);
        });
        using (await metrics.SendAsync(new RequestMessage(HttpMethod.Put, new Uri("dbs/db/colls/events/docs/head", UriKind.Relative)), CancellationToken.None))
        {
        }

        lock (recorded)
            Assert.Equal([(12.5, "read", "ProjectInventory"), (12.5, "replace", "other")], recorded.Where(r => r.Operation is "read" or "replace"));
        Assert.Equal(new OperationTotals(1, 12.5), metrics.Snapshot()["read"]);
    }
}
