using Aria.CrmSync.IntegrationTests.Conformance;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.Testing;
using Aria.CrmSync.Testing.Conformance;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>
/// A gateway and its emulator over HTTP (Salesforce or HubSpot) with the custom fields of
/// <see cref="CustomFieldRoundTripTests.Samples"/> defined, and a connection whose <see cref="CrmConnection.RecordFields"/> names them.
/// </summary>
internal sealed class CustomFieldCrm : IAsyncDisposable
{
    private readonly SfGatewayHost? _salesforce;
    private readonly HubSpotGatewayHost? _hubSpot;

    private CustomFieldCrm(CrmProvider provider, SfGatewayHost? salesforce, HubSpotGatewayHost? hubSpot, IReadOnlyList<string> extraFields)
    {
        Provider = provider;
        _salesforce = salesforce;
        _hubSpot = hubSpot;
        var connection = salesforce?.Connection ?? hubSpot!.Connection;
        Connection = connection with { RecordFields = [.. CustomFieldRoundTripTests.Samples.Select(s => s.Field.CrmFieldFor(provider)!), .. extraFields] };
    }

    /// <summary>Gets the samples as the custom-field conformance checks take them.</summary>
    public static IReadOnlyList<CrmConformanceFieldSample> ConformanceSamples => [.. CustomFieldRoundTripTests.Samples.Select(s => new CrmConformanceFieldSample(s.Field, s.Value))];

    public CrmProvider Provider { get; }

    public CrmConnection Connection { get; }

    public ICrmGateway Gateway => _salesforce?.Gateway ?? _hubSpot!.CrmGateway;

    public CrmEmulator Emulator => (CrmEmulator?)_salesforce?.Emulator ?? _hubSpot!.Emulator;

    public SalesforceOrg Org => _salesforce!.Org;

    public HubSpotEmulator HubSpot => _hubSpot!.Emulator;

    /// <summary>Gets the requests the emulator received so far (any endpoint, answered or refused).</summary>
    public long ApiCalls => Emulator.Calls.Total;

    /// <summary>The currency field of the provider (<c>CurrencyIsoCode</c>, <c>deal_currency_code</c>).</summary>
    public string CurrencyField => Provider == CrmProvider.Salesforce ? "CurrencyIsoCode" : "deal_currency_code";

    public static async Task<CustomFieldCrm> StartAsync(CrmProvider provider, IReadOnlyList<string>? currencies = null, GatewayTransport transport = GatewayTransport.Direct)
    {
        IReadOnlyList<string> extra = currencies is { Count: > 0 } ? [provider == CrmProvider.Salesforce ? "CurrencyIsoCode" : "deal_currency_code"] : [];
        if (provider == CrmProvider.Salesforce)
        {
            var host = await SfGatewayHost.StartAsync(emulator: o =>
            {
                foreach (var sample in CustomFieldRoundTripTests.Samples)
                {
                    o.CustomFields.Add(sample.SalesforceField);
                }

                foreach (var currency in currencies ?? [])
                {
                    o.Currencies.Add(currency);
                }
            }, transport: transport);
            return new CustomFieldCrm(provider, host, null, extra);
        }

        var hubSpot = await HubSpotGatewayHost.StartAsync(emulatorOptions: o =>
        {
            foreach (var sample in CustomFieldRoundTripTests.Samples)
            {
                o.CustomProperties.Add(sample.HubSpotProperty);
            }

            foreach (var currency in currencies ?? [])
            {
                o.Currencies.Add(currency);
            }
        }, transport: transport);
        return new CustomFieldCrm(provider, null, hubSpot, extra);
    }

    /// <summary>This gateway and CRM as a conformance check takes them (disposed with it).</summary>
    public CrmGatewayUnderTest ForConformance() => new()
    {
        Gateway = Gateway,
        Connection = Connection,
        RejectedConnection = HubSpotConformanceTests.Rejected(Connection),
        Control = _salesforce is not null ? new SalesforceConformanceTests.SalesforceControl(_salesforce.Emulator) : new HubSpotConformanceTests.HubSpotControl(_hubSpot!.Emulator),
        Owner = this,
    };

    /// <summary>Inserts records directly (not counted).</summary>
    public List<string> Seed(int count)
        => _salesforce is not null
            ? _salesforce.Seed(count)
            : [.. Enumerable.Range(0, count).Select(i => _hubSpot!.InsertDeal($"Deal {i:D4}", amount: "1000"))];

    public async ValueTask DisposeAsync()
    {
        if (_salesforce is not null)
        {
            await _salesforce.DisposeAsync();
        }

        if (_hubSpot is not null)
        {
            await _hubSpot.DisposeAsync();
        }
    }
}
