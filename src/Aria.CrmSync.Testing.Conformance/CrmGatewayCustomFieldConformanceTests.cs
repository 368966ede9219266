using Aria.CrmSync.Fields;
using Xunit;

namespace Aria.CrmSync.Testing.Conformance;

/// <summary>
/// The custom-field checks, for a gateway that reads and writes the CRM fields named by
/// <see cref="CrmConnection.RecordFields"/>: derive a test class from it (in addition to
/// <see cref="CrmGatewayConformanceTests"/>) only when the gateway supports custom fields, and supply the gateway (its CRM
/// with the fields of <see cref="CustomFieldSamples"/>, in <see cref="CrmGatewayTestBase.CreateGatewayAsync"/>) and the
/// CRM's custom fields with a value of each. A gateway that does not derive from it is not checked for custom fields
/// — nothing passes for it silently.
/// </summary>
/// <remarks>
/// The contract: every name of <see cref="CrmConnection.RecordFields"/> is read into <see cref="CrmRecord.Fields"/> by
/// <see cref="ICrmGateway.GetRecordAsync"/>, <see cref="ICrmGateway.GetRecordsAsync"/> and
/// <see cref="ICrmGateway.GetChangesAsync"/>, as the CRM's wire text; <see cref="ICrmGateway.UpdateRecordsAsync"/> writes
/// them from <see cref="CrmRecordUpdate.Fields"/> (the wire text of <see cref="CrmFieldValues.FormatCrm"/>, null clears);
/// a value read back parses (<see cref="CrmFieldValues.ParseCrm"/>) to the value written; a name with white space, a line
/// break or a quote is refused with <see cref="CrmSyncFieldMappingException"/> before it reaches the CRM.
/// </remarks>
public abstract class CrmGatewayCustomFieldConformanceTests : CrmGatewayTestBase
{
    /// <summary>Gets the CRM's custom fields, each with a value: at least one; one of each type the CRM has checks the most.</summary>
    protected abstract IReadOnlyList<CrmConformanceFieldSample> CustomFieldSamples { get; }

    /// <summary>
    /// Checks that custom fields written in one batched call read back equal (after <see cref="CrmFieldValues.ParseCrm"/>)
    /// through the single read, the batch read and the change pages, and that a blank value clears them.
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task CustomFieldsRoundTripThroughWritesAndEveryRead()
    {
        var gateway = Target.Gateway;
        var provider = gateway.Provider;
        var samples = CustomFieldSamples;
        Assert.NotEmpty(samples);
        var names = samples.Select(s => s.Field.CrmFieldFor(provider) ?? throw new InvalidOperationException($"The field '{s.Field.LeadField}' names no {provider.Value} field.")).ToList();
        var connection = Target.Connection with { RecordFields = names };
        var id = await Target.Control.SeedRecordAsync("Conformance custom fields", default);

        var written = await gateway.UpdateRecordsAsync(connection, [new CrmRecordUpdate
        {
            CrmId = id,
            Fields = samples.ToDictionary(s => s.Field.CrmFieldFor(provider)!, s => CrmFieldValues.FormatCrm(s.Field, provider, s.Value)),
        }]);
        Assert.True(Assert.Single(written).Success, written[0].ErrorMessage);

        var single = await gateway.GetRecordAsync(connection, id);
        var batch = Assert.Single(await gateway.GetRecordsAsync(connection, [id]));
        CrmRecord? changed = null;
        await foreach (var page in gateway.GetChangesAsync(connection, null))
        {
            changed = page.Records.LastOrDefault(r => r.CrmId == id) ?? changed;
        }

        Assert.NotNull(single);
        Assert.NotNull(changed);
        foreach (var record in new[] { single, batch, changed })
        {
            foreach (var sample in samples)
            {
                var name = sample.Field.CrmFieldFor(provider)!;
                Assert.True(record.Fields.ContainsKey(name), $"{name} is not in CrmRecord.Fields");
                Assert.Equal(sample.Value, CrmFieldValues.ParseCrm(sample.Field, provider, record.Fields[name]));
            }
        }

        var cleared = await gateway.UpdateRecordsAsync(connection, [new CrmRecordUpdate
        {
            CrmId = id,
            Fields = samples.Where(s => s.Field.Type != CrmFieldType.Boolean).ToDictionary(s => s.Field.CrmFieldFor(provider)!, _ => (string?)null),
        }]);
        Assert.True(Assert.Single(cleared).Success, cleared[0].ErrorMessage);
        var blank = Assert.Single(await gateway.GetRecordsAsync(connection, [id]));
        Assert.All(samples.Where(s => s.Field.Type != CrmFieldType.Boolean), s => Assert.True(CrmFieldValues.ParseCrm(s.Field, provider, blank.Fields[s.Field.CrmFieldFor(provider)!]).IsBlank, s.Field.LeadField));
    }

    /// <summary>Checks that a custom field name with white space, a line break or a quote is refused with <see cref="CrmSyncFieldMappingException"/> by reads and writes.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task MalformedCustomFieldNamesAreRefused()
    {
        var gateway = Target.Gateway;
        var id = await Target.Control.SeedRecordAsync("Conformance bad field name", default);
        Assert.NotNull(await gateway.GetRecordAsync(Target.Connection, id));
        foreach (var name in new[] { "name FROM x", "a'b", "name\n" })
        {
            var connection = Target.Connection with { RecordFields = [name] };
            await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => gateway.GetRecordsAsync(connection, [id]));
            await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => gateway.UpdateRecordsAsync(connection, [new CrmRecordUpdate { CrmId = id, Fields = new Dictionary<string, string?> { [name] = "x" } }]));
        }
    }
}
