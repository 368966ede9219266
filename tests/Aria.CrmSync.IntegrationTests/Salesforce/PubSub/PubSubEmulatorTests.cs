using Aria.CrmSync.PubSub.Protocol;
using Aria.CrmSync.Testing;
using Avro.Generic;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.PubSub;

public sealed class PubSubEmulatorTests
{
    private const string Topic = "/data/OpportunityChangeEvent";

    [Fact]
    public async Task Subscribe_RestUpdate_DeliversUpdateEventWithChangedFieldsOnly()
    {
        await using var h = await PubSubTestClient.StartAsync();
        var id = h.Host.Org.InsertOpportunity("Acme renewal", SalesforceStages.Prospecting, new DateOnly(2027, 3, 31), 5000m);
        using var call = h.Client.Subscribe(h.Auth());
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, ReplayPreset = ReplayPreset.Earliest, NumRequested = 10 });

        var patched = await h.Host.PatchAsync(Emulator.SfTestHost.Data($"sobjects/Opportunity/{id}"), new { StageName = SalesforceStages.Qualification });
        Assert.Equal(204, patched.Code);

        var events = await PubSubTestClient.ReadEventsAsync(call.ResponseStream, 2);
        Assert.Equal(2, events.Count);
        Assert.True(PubSubTestClient.Replay(events[1].ReplayId) > PubSubTestClient.Replay(events[0].ReplayId));

        var (created, _) = await h.DecodeAsync(events[0]);
        var createdHeader = (GenericRecord)created["ChangeEventHeader"];
        Assert.Equal("CREATE", ((GenericEnum)createdHeader["changeType"]).Value);
        Assert.Equal("Acme renewal", created["Name"]);
        Assert.Equal(5000d, created["Amount"]);
        Assert.Equal(new DateTimeOffset(2027, 3, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), created["CloseDate"]);

        var (updated, schema) = await h.DecodeAsync(events[1]);
        var header = (GenericRecord)updated["ChangeEventHeader"];
        Assert.Equal("UPDATE", ((GenericEnum)header["changeType"]).Value);
        Assert.Equal("Opportunity", header["entityName"]);
        Assert.Equal(new object[] { id }, (object[])header["recordIds"]);
        Assert.Equal(SalesforceStages.Qualification, updated["StageName"]);
        Assert.Null(updated["Name"]); // unchanged fields are null with the Pub/Sub API
        Assert.Null(updated["Amount"]);
        var changed = PubSubTestClient.FieldNames(schema, header["changedFields"]);
        Assert.Contains("StageName", changed);
        Assert.DoesNotContain("Name", changed);
        Assert.DoesNotContain("Amount", changed);
        var commit = DateTimeOffset.FromUnixTimeMilliseconds((long)header["commitTimestamp"]);
        Assert.InRange(commit, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Subscribe_NulledField_ReportedInNulledFields()
    {
        await using var h = await PubSubTestClient.StartAsync();
        var id = h.Host.Org.InsertOpportunity("Nulls", SalesforceStages.Prospecting, new DateOnly(2027, 1, 1), 100m);
        using var call = h.Client.Subscribe(h.Auth());
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, NumRequested = 5 });
        await Task.Delay(200); // LATEST: the subscription starts at the tip
        h.Host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Amount"] = null });

        var events = await PubSubTestClient.ReadEventsAsync(call.ResponseStream, 1);
        var (record, schema) = await h.DecodeAsync(Assert.Single(events));
        var header = (GenericRecord)record["ChangeEventHeader"];
        Assert.Equal(["Amount"], PubSubTestClient.FieldNames(schema, header["nulledFields"]));
        Assert.Contains("Amount", PubSubTestClient.FieldNames(schema, header["changedFields"]));
    }

    [Fact]
    public async Task Subscribe_Credit_DeliversNoMoreThanRequested()
    {
        await using var h = await PubSubTestClient.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            h.Host.Org.InsertOpportunity($"Credit {i}", SalesforceStages.Prospecting, new DateOnly(2027, 1, 1));
        }

        using var call = h.Client.Subscribe(h.Auth());
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, ReplayPreset = ReplayPreset.Earliest, NumRequested = 2 });
        var first = await PubSubTestClient.ReadEventsAsync(call.ResponseStream, 2);
        Assert.Equal(2, first.Count);

        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<Exception>(async () => await call.ResponseStream.MoveNext(quiet.Token)); // no credit, nothing more

        using var again = h.Client.Subscribe(h.Auth());
        await again.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, ReplayPreset = ReplayPreset.Custom, ReplayId = first[1].ReplayId, NumRequested = 1 });
        var next = await PubSubTestClient.ReadEventsAsync(again.ResponseStream, 1);
        await again.RequestStream.WriteAsync(new FetchRequest { NumRequested = 10 });
        var rest = await PubSubTestClient.ReadEventsAsync(again.ResponseStream, 2);
        var names = new List<object>();
        foreach (var e in next.Concat(rest))
        {
            names.Add((await h.DecodeAsync(e)).Record["Name"]);
        }

        Assert.Equal(new object[] { "Credit 2", "Credit 3", "Credit 4" }, names);
    }

    [Fact]
    public async Task Subscribe_BadToken_FailsUnauthenticatedWithErrorCode()
    {
        await using var h = await PubSubTestClient.StartAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await h.Client.GetTopicAsync(new TopicRequest { TopicName = Topic }, h.Auth("not-a-token")));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Equal("sfdc.platform.eventbus.grpc.service.auth.error", ex.Trailers.GetValue("error-code"));

        h.Host.Emulator.ExpireAccessTokens();
        using var call = h.Client.Subscribe(h.Auth());
        try
        {
            await call.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, NumRequested = 1 });
        }
        catch (RpcException)
        {
            // The server refuses the call on its headers, before it reads a request: a write racing that end fails with
            // CANCELLED or the call's status (16 of 300 writes on a loaded machine). The call's own status is read below.
        }

        var expired = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unauthenticated, expired.StatusCode);
    }

    [Fact]
    public async Task GetTopic_ChangeEventChannel_NamesCurrentSchema()
    {
        await using var h = await PubSubTestClient.StartAsync();
        var topic = await h.Client.GetTopicAsync(new TopicRequest { TopicName = Topic }, h.Auth());
        Assert.True(topic.CanSubscribe);
        Assert.False(topic.CanPublish);
        var schema = await h.Client.GetSchemaAsync(new SchemaRequest { SchemaId = topic.SchemaId }, h.Auth());
        Assert.Contains("\"OpportunityChangeEvent\"", schema.SchemaJson, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await h.Client.GetTopicAsync(new TopicRequest { TopicName = "/data/NopeChangeEvent" }, h.Auth()));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Subscribe_ReplayIdPastRetention_FailsInvalidArgument()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var h = await PubSubTestClient.StartAsync(o => o.TimeProvider = time);
        h.Host.Org.InsertOpportunity("Old", SalesforceStages.Prospecting, new DateOnly(2027, 1, 1));
        var old = h.Host.Emulator.ChangeEvents.LatestReplayId;
        time.Advance(TimeSpan.FromHours(1));
        h.Host.Org.InsertOpportunity("Newer", SalesforceStages.Prospecting, new DateOnly(2027, 1, 1));
        time.Advance(TimeSpan.FromHours(71.5)); // the first event is now 72.5 h old, the second 71.5 h
        h.AccessToken = h.Host.Emulator.IssueTokens().AccessToken;

        using var call = h.Client.Subscribe(h.Auth());
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, ReplayPreset = ReplayPreset.Custom, ReplayId = PubSubTestClient.Replay(old - 1), NumRequested = 5 });
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted", ex.Trailers.GetValue("error-code"));

        using var fromOld = h.Client.Subscribe(h.Auth());
        await fromOld.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, ReplayPreset = ReplayPreset.Custom, ReplayId = PubSubTestClient.Replay(old), NumRequested = 5 });
        var events = await PubSubTestClient.ReadEventsAsync(fromOld.ResponseStream, 1);
        Assert.Equal("Newer", (await h.DecodeAsync(Assert.Single(events))).Record["Name"]);
    }

    [Fact]
    public async Task Subscribe_Idle_SendsKeepAliveWithLatestReplayId()
    {
        await using var h = await PubSubTestClient.StartAsync(o => o.ChangeEventKeepAliveInterval = TimeSpan.FromMilliseconds(200));
        h.Host.Org.InsertOpportunity("Before", SalesforceStages.Prospecting, new DateOnly(2027, 1, 1));
        using var call = h.Client.Subscribe(h.Auth());
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, NumRequested = 5 });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Empty(call.ResponseStream.Current.Events);
        Assert.Equal(h.Host.Emulator.ChangeEvents.LatestReplayId, PubSubTestClient.Replay(call.ResponseStream.Current.LatestReplayId));
    }

    [Fact]
    public async Task Subscribe_GapEvents_CarryHeaderOnly()
    {
        await using var h = await PubSubTestClient.StartAsync();
        var id = h.Host.Org.InsertOpportunity("Gap", SalesforceStages.Prospecting, new DateOnly(2027, 1, 1));
        var from = h.Host.Emulator.ChangeEvents.LatestReplayId;
        h.Host.Emulator.ChangeEvents.PublishGap("Opportunity", [id]);
        h.Host.Emulator.ChangeEvents.PublishGapOverflow("Opportunity");
        using var call = h.Client.Subscribe(h.Auth());
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = Topic, ReplayPreset = ReplayPreset.Custom, ReplayId = PubSubTestClient.Replay(from), NumRequested = 5 });
        var events = await PubSubTestClient.ReadEventsAsync(call.ResponseStream, 2);
        var (gap, _) = await h.DecodeAsync(events[0]);
        Assert.Equal("GAP_UPDATE", ((GenericEnum)((GenericRecord)gap["ChangeEventHeader"])["changeType"]).Value);
        Assert.Equal(new object[] { id }, (object[])((GenericRecord)gap["ChangeEventHeader"])["recordIds"]);
        Assert.Null(gap["Name"]);
        var (overflow, _) = await h.DecodeAsync(events[1]);
        Assert.Equal("GAP_OVERFLOW", ((GenericEnum)((GenericRecord)overflow["ChangeEventHeader"])["changeType"]).Value);
    }

    [Fact]
    public async Task Subscribe_RolledBackComposite_PublishesNothing()
    {
        await using var h = await PubSubTestClient.StartAsync();
        var before = h.Host.Emulator.ChangeEvents.LatestReplayId;
        var response = await h.Host.PostAsync(Emulator.SfTestHost.Data("composite/sobjects"), new
        {
            allOrNone = true,
            records = new object[]
            {
                new Dictionary<string, object?> { ["attributes"] = new { type = "Opportunity" }, ["Name"] = "ok", ["StageName"] = SalesforceStages.Prospecting, ["CloseDate"] = "2027-01-01" },
                new Dictionary<string, object?> { ["attributes"] = new { type = "Opportunity" }, ["Name"] = "missing stage", ["CloseDate"] = "2027-01-01" },
            },
        });
        Assert.Equal(200, response.Code);
        Assert.Equal(before, h.Host.Emulator.ChangeEvents.LatestReplayId);
        h.Host.Org.InsertOpportunity("committed", SalesforceStages.Prospecting, new DateOnly(2027, 1, 1));
        Assert.Equal(before + 1, h.Host.Emulator.ChangeEvents.LatestReplayId);
    }
}
