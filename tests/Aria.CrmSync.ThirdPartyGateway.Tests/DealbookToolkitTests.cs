using System.Net;
using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.ThirdPartyGateway.Tests.Dealbook;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.ThirdPartyGateway.Tests;

/// <summary>What the public toolkit gives the third gateway for free: Retry-After waits on the rate gate, typed request errors, write outcomes.</summary>
public sealed class DealbookToolkitTests
{
    [Fact]
    public async Task A429WaitsForItsRetryAfterOnTheGatewaysClock_ThenTheRequestIsSentAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = DealbookHost.Start(time: time);
        var deal = h.Server.AddDeal("Paced");
        h.Server.InjectFault(HttpStatusCode.TooManyRequests, 1, TimeSpan.FromSeconds(3));

        var read = h.Gateway.GetRecordAsync(h.Connection, deal);
        await WaitUntilAsync(() => h.Server.Requests.Count == 1);
        time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(50);
        Assert.False(read.IsCompleted); // still paused: Retry-After said 3 s
        Assert.Single(h.Server.Requests);

        time.Advance(TimeSpan.FromSeconds(1));
        var record = await read;

        Assert.Equal("Paced", record?.Name);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task RateLimitedPastTheRetries_IsCrmRateLimitedException_WithRetryAfter_AndAWriteWritesNothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = DealbookHost.Start(time: time, gateway: o => o.MaxRateLimitRetries = 0);
        var deal = h.Server.AddDeal("Limited");
        h.Server.InjectFault(HttpStatusCode.TooManyRequests, 1, TimeSpan.FromSeconds(7));

        var error = await Assert.ThrowsAsync<CrmRateLimitedException>(() => h.Gateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { [CrmFields.Name] = "Never" } }]));

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Equal(CrmWriteOutcome.NothingWritten, error.WriteOutcome); // refused at its only attempt
        Assert.True(CrmWriteFailure.NothingWritten(error));
        Assert.Equal("Limited", h.Server.GetDeal(deal)!.Value.Title);
    }

    [Fact]
    public async Task ARefusedRequestIsCrmRequestException_WithTheHttpStatusAndDealbooksOwnCode()
    {
        await using var h = DealbookHost.Start();
        var deal = h.Server.AddDeal("Refused");
        // A stage Dealbook does not know is refused per item, as a value.
        var refused = Assert.Single(await h.Gateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { [CrmFields.Stage] = "no-such-stage" } }]));
        Assert.Equal("INVALID_STAGE", refused.ErrorCode);
        Assert.Equal(CrmWriteOutcome.NothingWritten, refused.Outcome);

        // A note for a deal Dealbook does not have: 404 with NOT_FOUND, a failure value of the call.
        var note = Assert.Single(await h.Gateway.CreateNotesAsync(h.Connection, [new CrmNoteRequest { IdempotencyKey = "k-1", CrmId = "dl-404404", Text = "[ARIA] x" }]));
        Assert.False(note.Success);
        Assert.Equal("NOT_FOUND", note.ErrorCode);
        Assert.False(note.IsTransient);

        // An id Dealbook refuses in a batch read: the typed request error with the status and Dealbook's own code.
        var error = await Assert.ThrowsAsync<CrmRequestException>(() => h.Gateway.GetRecordsAsync(h.Connection, [deal, "not-a-deal-id"]));
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("INVALID_ID", error.ProviderErrorCode);
        Assert.Equal(DealbookBuilderExtensions.Dealbook, error.Provider);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
