using Xunit;

namespace Aria.CrmSync.Testing.Conformance;

public abstract partial class CrmGatewayConformanceTests
{
    /// <summary>Checks that credentials the CRM rejects fail a read with <see cref="CrmConnectionException"/> naming the provider.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task RejectedCredentialsFailWithATypedConnectionError()
    {
        var id = await Control.SeedRecordAsync("Conformance rejected", default);

        var error = await Assert.ThrowsAsync<CrmConnectionException>(() => Gateway.GetRecordAsync(Target.RejectedConnection, id));

        Assert.Equal<CrmProvider?>(Gateway.Provider, error.Provider);
        Assert.True(error.RequiresReauthorization);
    }

    /// <summary>
    /// Checks rate limits: while the CRM answers with its rate-limit response, a read fails with
    /// <see cref="CrmRateLimitedException"/> and a write call fails (or reports every update) as
    /// <see cref="CrmWriteOutcome.NothingWritten"/>, and the CRM holds nothing of it.
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task RateLimitsAreTypedAndWriteNothing()
    {
        var id = await Control.SeedRecordAsync("Conformance limited", default);
        Control.InjectFault(CrmConformanceFault.RateLimited, 1_000);

        var read = await Assert.ThrowsAsync<CrmRateLimitedException>(() => Gateway.GetRecordAsync(Connection, id));
        Assert.Equal<CrmProvider?>(Gateway.Provider, read.Provider);

        await AssertWriteFailsUnwrittenAsync(id);
    }

    /// <summary>
    /// Checks a failure on the CRM's side: while it answers 500, a read fails with a typed <see cref="CrmSyncException"/>
    /// (no raw HTTP or JSON exception) and a write call fails (or reports every update) as
    /// <see cref="CrmWriteOutcome.NothingWritten"/> or <see cref="CrmWriteOutcome.Unknown"/>, never as written.
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task ServerErrorsAreTyped()
    {
        var id = await Control.SeedRecordAsync("Conformance server error", default);
        Control.InjectFault(CrmConformanceFault.ServerError, 1_000);

        var read = await Assert.ThrowsAnyAsync<CrmSyncException>(() => Gateway.GetRecordAsync(Connection, id));
        Assert.IsNotType<CrmSyncValidationException>(read);

        await AssertWriteFailsUnwrittenAsync(id);
    }

    private async Task AssertWriteFailsUnwrittenAsync(string id)
    {
        try
        {
            var results = await Gateway.UpdateRecordsAsync(Connection, [Rename(id, "Conformance must not land")]);
            var result = Assert.Single(results);
            Assert.False(result.Success);
            Assert.NotEqual(CrmWriteOutcome.Written, result.Outcome);
        }
        catch (CrmSyncException ex)
        {
            Assert.NotEqual(CrmWriteOutcome.Written, ex.WriteOutcome);
        }

        Control.InjectFault(CrmConformanceFault.RateLimited, 0);
        Control.InjectFault(CrmConformanceFault.ServerError, 0);
        Assert.NotEqual("Conformance must not land", (await Control.ReadRecordAsync(id, default))?.Name);
    }
}
