using Xunit;

namespace Aria.CrmSync.Testing.Conformance;

public abstract partial class CrmGatewayConformanceTests
{
    /// <summary>
    /// Checks a batched write with a failing update in the middle: one result per update in request order, the failure
    /// a value (not an exception) that wrote nothing, the other updates written and held by the CRM.
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task BatchedWritesReportPartialFailureInRequestOrder()
    {
        var first = await Control.SeedRecordAsync("Conformance write 1", default);
        var second = await Control.SeedRecordAsync("Conformance write 2", default);

        var results = await Gateway.UpdateRecordsAsync(Connection,
        [
            Rename(first, "Conformance written 1"),
            Rename(Control.MissingRecordId, "Conformance never written"),
            Rename(second, "Conformance written 2"),
        ]);

        Assert.Equal([first, Control.MissingRecordId, second], results.Select(r => r.CrmId));
        Assert.True(results[0].Success, results[0].ErrorMessage);
        Assert.Equal(CrmWriteOutcome.Written, results[0].Outcome);
        Assert.False(results[1].Success);
        Assert.Equal(CrmWriteOutcome.NothingWritten, results[1].Outcome);
        Assert.False(string.IsNullOrEmpty(results[1].ErrorCode));
        Assert.True(results[2].Success, results[2].ErrorMessage);
        Assert.Equal("Conformance written 1", (await Control.ReadRecordAsync(first, default))?.Name);
        Assert.Equal("Conformance written 2", (await Control.ReadRecordAsync(second, default))?.Name);
    }

    /// <summary>
    /// Checks the precondition: a write based on a version a person has since edited is refused with
    /// <see cref="CrmWriteResult.PreconditionFailed"/> and writes nothing (the person's edit stays); a write on the
    /// current version is applied.
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task AStaleBaseIsRefusedAndNothingIsWritten()
    {
        var id = await Control.SeedRecordAsync("Conformance base", default);
        var read = await Gateway.GetRecordAsync(Connection, id);
        Assert.NotNull(read?.LastModifiedAt);
        await Control.EditRecordNameAsync(id, "Conformance person edit", default);

        var stale = await Gateway.UpdateRecordsAsync(Connection, [Rename(id, "Conformance aria value") with
        {
            IfUnmodifiedSince = read.LastModifiedAt,
            ExpectedValues = new Dictionary<string, string?> { [CrmFields.Name] = read.Name },
        }]);

        var refused = Assert.Single(stale);
        Assert.False(refused.Success);
        Assert.Equal(CrmWriteResult.PreconditionFailed, refused.ErrorCode);
        Assert.Equal(CrmWriteOutcome.NothingWritten, refused.Outcome);
        Assert.Equal("Conformance person edit", (await Control.ReadRecordAsync(id, default))?.Name);

        var current = await Gateway.GetRecordAsync(Connection, id);
        var fresh = await Gateway.UpdateRecordsAsync(Connection, [Rename(id, "Conformance aria value") with
        {
            IfUnmodifiedSince = current!.LastModifiedAt,
            ExpectedValues = new Dictionary<string, string?> { [CrmFields.Name] = current.Name },
        }]);

        Assert.True(Assert.Single(fresh).Success, fresh[0].ErrorMessage);
        Assert.Equal("Conformance aria value", (await Control.ReadRecordAsync(id, default))?.Name);
    }

    private static CrmRecordUpdate Rename(string crmId, string name)
        => new() { CrmId = crmId, Fields = new Dictionary<string, string?> { [CrmFields.Name] = name } };
}
