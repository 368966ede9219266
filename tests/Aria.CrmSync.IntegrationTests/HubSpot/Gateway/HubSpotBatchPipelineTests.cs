using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

/// <summary>
/// Batch calls kept in flight together: a large write sends each batch's pre-write read beside the previous batch's
/// write (the writes themselves one after another, in order), and a large read by id sends up to
/// <c>ReadsInFlight</c> batch reads at once. With a CRM that takes time to answer, that keeps the rate budget busy
/// instead of waiting on one call at a time.
/// </summary>
public sealed class HubSpotBatchPipelineTests
{
    [Fact]
    public async Task UpdateRecords_ThreeBatches_ReadsTheNextBatchBesideTheWrite_WritesInOrder()
    {
        var calls = new CallTimeline();
        await using var h = await HubSpotGatewayHost.StartAsync(services: s => s.AddHttpClient(HubSpotOptions.HttpClientName).AddHttpMessageHandler(() => calls.Handler()));
        var read = DateTimeOffset.UtcNow.AddMinutes(-10);
        var ids = Enumerable.Range(0, 300).Select(i => h.InsertDeal($"D{i}", amount: "1", lastModified: read)).ToList();
        h.Emulator.UpdateObject("deals", ids[250], new Dictionary<string, string?> { ["amount"] = "77" }, read.AddMinutes(1)); // changed after our read
        h.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Endpoint = "deals.batch.update", Latency = TimeSpan.FromMilliseconds(300) });

        var results = await h.CrmGateway.UpdateRecordsAsync(h.Connection, ids.Select((id, i) => new CrmRecordUpdate
        {
            CrmId = id,
            Fields = new Dictionary<string, string?> { [CrmFields.Amount] = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            IfUnmodifiedSince = read,
        }).ToList());

        Assert.Equal(299, results.Count(r => r.Success));
        Assert.Equal(CrmWriteResult.PreconditionFailed, results[250].ErrorCode); // the read beside a write still checks
        Assert.Equal("77", h.Emulator.GetObject("deals", ids[250])!["amount"]);
        Assert.Equal("1299", h.Emulator.GetObject("deals", ids[299])!["amount"]);
        var reads = calls.Of("/deals/batch/read");
        var writes = calls.Of("/deals/batch/update");
        Assert.Equal(3, reads.Count);
        Assert.Equal(3, writes.Count);
        Assert.True(reads[0].End <= writes[0].Start); // the first batch's read comes before any write
        for (var k = 1; k < 3; k++)
        {
            Assert.True(writes[k - 1].End <= writes[k].Start, $"write {k} overlapped write {k - 1}"); // one write at a time, in order
            Assert.True(reads[k].Start < writes[k - 1].End, $"read {k} waited for write {k - 1}"); // read beside the previous write
            Assert.True(reads[k].End <= writes[k].Start); // and before its own write
        }
    }

    [Fact]
    public async Task UpdateRecords_ADealInTwoBatches_ReadsTheSecondBatchAfterTheFirstWrite()
    {
        var calls = new CallTimeline();
        await using var h = await HubSpotGatewayHost.StartAsync(services: s => s.AddHttpClient(HubSpotOptions.HttpClientName).AddHttpMessageHandler(() => calls.Handler()));
        var twice = h.InsertDeal("Twice", amount: "1");
        var other = h.InsertDeal("Other", amount: "1");
        h.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Endpoint = "deals.batch.update", Latency = TimeSpan.FromMilliseconds(200) });
        var until = DateTimeOffset.UtcNow.AddHours(1); // a precondition that holds: the batches are read before their writes

        var results = await h.CrmGateway.UpdateRecordsAsync(h.Connection,
        [
            new CrmRecordUpdate { CrmId = twice, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "100" }, IfUnmodifiedSince = until },
            new CrmRecordUpdate { CrmId = other, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "200" }, IfUnmodifiedSince = until },
            new CrmRecordUpdate { CrmId = twice, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "300" }, IfUnmodifiedSince = until },
        ]);

        Assert.All(results, r => Assert.True(r.Success, r.ErrorMessage));
        Assert.Equal("300", h.Emulator.GetObject("deals", twice)!["amount"]); // the later update of the deal lands last
        Assert.Equal("200", h.Emulator.GetObject("deals", other)!["amount"]);
        var reads = calls.Of("/deals/batch/read");
        var writes = calls.Of("/deals/batch/update");
        Assert.Equal(2, writes.Count);
        Assert.Equal(2, reads.Count);
        Assert.True(writes[0].End <= reads[1].Start, "the second batch holds a deal the first writes: it is read after that write");
    }

    [Fact]
    public async Task GetRecords_FiveBatches_ReadsSeveralAtOnce_ReturnsEveryRecordOnce()
    {
        var calls = new CallTimeline();
        await using var h = await HubSpotGatewayHost.StartAsync(services: s => s.AddHttpClient(HubSpotOptions.HttpClientName).AddHttpMessageHandler(() => calls.Handler()));
        var ids = Enumerable.Range(0, 450).Select(i => h.InsertDeal($"D{i}", amount: i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        h.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Endpoint = "deals.batch.read", Latency = TimeSpan.FromMilliseconds(300) });

        var records = await h.CrmGateway.GetRecordsAsync(h.Connection, [.. ids, "999999999", "999999998"]);

        Assert.Equal(ids.Order(StringComparer.Ordinal), records.Select(r => r.CrmId).Order(StringComparer.Ordinal)); // unknown ids left out
        Assert.Equal(449m, records.Single(r => r.CrmId == ids[449]).Amount);
        var reads = calls.Of("/deals/batch/read");
        Assert.Equal(5, reads.Count);
        var most = reads.Max(r => reads.Count(o => o.Start <= r.Start && r.Start < o.End)); // in flight when each one started
        Assert.InRange(most, 2, 4); // several in flight, never more than ReadsInFlight
    }

    /// <summary>The start and end of each request through the client's pipeline, by path.</summary>
    private sealed class CallTimeline
    {
        private readonly List<(string Path, long Start, long End)> _calls = [];
        private readonly Lock _gate = new();

        public DelegatingHandler Handler() => new Recorder(this);

        public List<(long Start, long End)> Of(string pathEnd)
        {
            lock (_gate)
            {
                return [.. _calls.Where(c => c.Path.EndsWith(pathEnd, StringComparison.Ordinal)).OrderBy(c => c.Start).Select(c => (c.Start, c.End))];
            }
        }

        private sealed class Recorder(CallTimeline timeline) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                var response = await base.SendAsync(request, cancellationToken);
                var end = System.Diagnostics.Stopwatch.GetTimestamp();
                lock (timeline._gate)
                {
                    timeline._calls.Add((request.RequestUri!.AbsolutePath, start, end));
                }

                return response;
            }
        }
    }
}
