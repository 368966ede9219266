using Xunit;

namespace Aria.CrmSync.Testing.Conformance;

/// <summary>
/// The conformance suite every <see cref="ICrmGateway"/> passes: derive a test class from it in the gateway's test
/// assembly and supply the gateway and a <see cref="ICrmConformanceControl"/> in <see cref="CrmGatewayTestBase.CreateGatewayAsync"/>; xUnit
/// then runs every check below against that gateway and its CRM.
/// </summary>
/// <remarks>
/// The checks follow the contract in the XML documentation of <see cref="ICrmGateway"/>: reads (single, batch, missing
/// ids), change pages and cursors (paging, resuming, no gaps or duplicates), batched writes with partial failure
/// (results in request order, failures as values), preconditions (a stale base is refused and nothing is written),
/// idempotent notes (same key, same note, found again), activities, and typed errors with their write outcomes
/// (rejected credentials, rate limits, CRM failures). Each test creates its own gateway and seeds its own records, so
/// records other tests or the CRM's fixtures hold do not disturb it.
/// </remarks>
public abstract partial class CrmGatewayConformanceTests : CrmGatewayTestBase
{
    /// <summary>Gets how many records the change-page checks seed; a CRM whose change pages are smaller than this is checked across pages.</summary>
    /// <value>The default value is 5.</value>
    protected virtual int ChangeRecordCount => 5;

    private ICrmGateway Gateway => Target.Gateway;

    private CrmConnection Connection => Target.Connection;

    private ICrmConformanceControl Control => Target.Control;

    /// <summary>Checks that a record is read with its name and provider, and that a missing id reads as <see langword="null"/>.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task ReadsOneRecordAndNullForAMissingId()
    {
        var id = await Control.SeedRecordAsync("Conformance single read", default);

        var record = await Gateway.GetRecordAsync(Connection, id);
        var missing = await Gateway.GetRecordAsync(Connection, Control.MissingRecordId);

        Assert.NotNull(record);
        Assert.Equal(id, record.CrmId);
        Assert.Equal(Gateway.Provider, record.Provider);
        Assert.Equal("Conformance single read", record.Name);
        Assert.NotNull(record.LastModifiedAt);
        Assert.Null(missing);
    }

    /// <summary>Checks that a batch read returns every record found once and leaves missing ids out.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task ReadsABatchAndLeavesMissingIdsOut()
    {
        var first = await Control.SeedRecordAsync("Conformance batch 1", default);
        var second = await Control.SeedRecordAsync("Conformance batch 2", default);

        var records = await Gateway.GetRecordsAsync(Connection, [first, Control.MissingRecordId, second, first]);

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), records.Select(r => r.CrmId).Order(StringComparer.Ordinal)); // each once
        Assert.Equal("Conformance batch 1", records.Single(r => r.CrmId == first).Name);
        Assert.Equal("Conformance batch 2", records.Single(r => r.CrmId == second).Name);
        Assert.DoesNotContain(records, r => r.CrmId == Control.MissingRecordId);
    }

    /// <summary>Checks that an empty batch read makes no call and returns nothing.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task ReadsAnEmptyBatchAsNothing()
        => Assert.Empty(await Gateway.GetRecordsAsync(Connection, []));
}
