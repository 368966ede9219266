using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Fields;
using Aria.CrmSync.Sync;
using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>How the engine prepares a connection's fields: the catalogue resolved, the metadata read once per TTL and again after a metadata error from a write, <see cref="CrmConnection.RecordFields"/> set.</summary>
public class ConnectionFieldsTests
{
    private static readonly CrmProvider Sf = CrmProvider.Salesforce;

    private static readonly CrmFieldDefinition NextStep = new() { LeadField = "next_step", Type = CrmFieldType.Text, CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "Next_Step__c" } };

    private static readonly CrmFieldDefinition DealValue = new() { LeadField = "deal_value", Type = CrmFieldType.Currency, CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "Deal_Value__c" } };

    /// <summary>A gateway that answers the metadata capability (the seam under test) and counts its reads.</summary>
    private sealed class MetadataGateway(ICrmGateway inner, CrmObjectMetadata metadata) : DelegatingCrmGateway(inner), ICrmFieldMetadataSource
    {
        public int Reads { get; private set; }

        public Task<CrmObjectMetadata> GetDealFieldMetadataAsync(CrmConnection connection, CancellationToken cancellationToken = default)
        {
            Reads++;
            return Task.FromResult(metadata);
        }
    }

    private sealed class FixedResolver(CrmFieldCatalog catalog) : ICrmFieldCatalogResolver
    {
        public ValueTask<CrmFieldCatalog> ResolveAsync(CrmConnection connection, CancellationToken cancellationToken = default) => ValueTask.FromResult(catalog);
    }

    private static CrmObjectMetadata Metadata(params string[] fields)
        => new(Sf, "Opportunity", fields.ToDictionary(f => f, f => new CrmFieldMetadata
        {
            Name = f,
            CrmType = f == "CurrencyIsoCode" ? "picklist" : f == "Deal_Value__c" ? "currency" : "string",
            Type = f == "CurrencyIsoCode" ? CrmFieldType.Picklist : f == "Deal_Value__c" ? CrmFieldType.Currency : CrmFieldType.Text,
        }), DateTimeOffset.UnixEpoch);

    private static (ConnectionFields Fields, MetadataGateway Gateway, FakeTimeProvider Time) Create(CrmObjectMetadata metadata, params CrmFieldDefinition[] custom)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var gateway = new MetadataGateway(new FakeCrmGateway(Sf, time), metadata);
        var env = new SyncEngineEnvironment(Options.Create(new CrmSyncOptions()), time, new CrmSyncTelemetry(), new CrmProviderCatalog([]), [gateway]);
        var catalog = CrmFieldCatalog.Create([.. CrmDefaultFields.Create(), .. custom]);
        return (new ConnectionFields(env, new CrmFieldMetadataCache(time, TimeSpan.FromMinutes(15)), new FixedResolver(catalog)), gateway, time);
    }

    private static CrmConnection Connection => new() { UserId = "u", Provider = Sf, AccessToken = "t", InstanceUrl = new Uri("https://example.my.salesforce.com") };

    [Fact]
    public async Task Prepare_SetsRecordFields_AndReadsTheMetadataOncePerTimeToLive()
    {
        var (fields, gateway, time) = Create(Metadata("Next_Step__c"), NextStep);

        var prepared = await fields.PrepareAsync(gateway, Connection, CancellationToken.None);
        await fields.PrepareAsync(gateway, Connection, CancellationToken.None);

        Assert.Equal(["Next_Step__c"], prepared.RecordFields);
        Assert.Equal(["lifecycle_stage", "expected_value", "expected_close_date", "status", "next_step"], fields.For(prepared).Fields);
        Assert.Equal(1, gateway.Reads);
        time.Advance(TimeSpan.FromMinutes(16));
        await fields.PrepareAsync(gateway, Connection, CancellationToken.None);
        Assert.Equal(2, gateway.Reads);
    }

    [Theory]
    [InlineData("INVALID_FIELD", 2)]
    [InlineData("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", 2)]
    [InlineData("VALIDATION_ERROR", 2)]
    [InlineData(CrmWriteResult.PreconditionFailed, 1)]
    [InlineData("FIELD_CUSTOM_VALIDATION_EXCEPTION", 1)]
    public async Task AMetadataErrorFromAWrite_MakesTheNextSyncReadTheMetadataAgain(string errorCode, int reads)
    {
        var (fields, gateway, _) = Create(Metadata("Next_Step__c"), NextStep);
        await fields.PrepareAsync(gateway, Connection, CancellationToken.None);

        fields.WriteRefused(Connection, errorCode);
        await fields.PrepareAsync(gateway, Connection, CancellationToken.None);

        Assert.Equal(reads, gateway.Reads);
    }

    [Fact]
    public async Task AMappingThatDoesNotFit_IsATypedErrorNamingTheConnectionAndField()
    {
        var (fields, gateway, _) = Create(Metadata("Other__c"), NextStep);

        var ex = await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => fields.PrepareAsync(gateway, Connection, CancellationToken.None));

        var issue = Assert.Single(ex.Issues);
        Assert.Equal((CrmFieldIssueKind.NotFound, "next_step", Connection.ConnectionKey), (issue.Kind, issue.Field, issue.Connection));
    }

    [Fact]
    public async Task TheRecordsCurrencyField_IsReadWhenACurrencyFieldSyncsAndTheOrgHasIt()
    {
        var (withCurrency, gateway, _) = Create(Metadata("Deal_Value__c", "CurrencyIsoCode"), DealValue);
        var (single, singleGateway, _) = Create(Metadata("Deal_Value__c"), DealValue);

        Assert.Equal(["Deal_Value__c", "CurrencyIsoCode"], (await withCurrency.PrepareAsync(gateway, Connection, CancellationToken.None)).RecordFields);
        Assert.Equal(["Deal_Value__c"], (await single.PrepareAsync(singleGateway, Connection, CancellationToken.None)).RecordFields);
    }

    [Fact]
    public async Task WithoutCustomFields_NothingIsReadAndTheConnectionIsUnchanged()
    {
        var (fields, gateway, _) = Create(Metadata());
        var connection = Connection;

        Assert.Same(connection, await fields.PrepareAsync(gateway, connection, CancellationToken.None));
        Assert.Equal(0, gateway.Reads);
        Assert.Equal(LeadFields.Synced, fields.For(connection).Fields);
    }
}
