using Aria.CrmSync.IntegrationTests.Fields;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.Testing.Conformance;

namespace Aria.CrmSync.IntegrationTests.Conformance;

// The built-in gateways support custom fields, so they opt into the custom-field conformance checks, with one field of
// every catalogue type defined in their emulators.

public sealed class SalesforceCustomFieldConformanceTests : CrmGatewayCustomFieldConformanceTests
{
    protected override IReadOnlyList<CrmConformanceFieldSample> CustomFieldSamples
        => [.. CustomFieldRoundTripTests.Samples.Select(s => new CrmConformanceFieldSample(s.Field, s.Value))];

    protected override async Task<CrmGatewayUnderTest> CreateGatewayAsync()
    {
        var host = await SfGatewayHost.StartAsync(emulator: o =>
        {
            foreach (var sample in CustomFieldRoundTripTests.Samples)
            {
                o.CustomFields.Add(sample.SalesforceField);
            }
        });
        return new CrmGatewayUnderTest
        {
            Gateway = host.Gateway,
            Connection = host.Connection,
            RejectedConnection = HubSpotConformanceTests.Rejected(host.Connection),
            Control = new SalesforceConformanceTests.SalesforceControl(host.Emulator),
            Owner = host,
        };
    }
}

public sealed class HubSpotCustomFieldConformanceTests : CrmGatewayCustomFieldConformanceTests
{
    protected override IReadOnlyList<CrmConformanceFieldSample> CustomFieldSamples
        => [.. CustomFieldRoundTripTests.Samples.Select(s => new CrmConformanceFieldSample(s.Field, s.Value))];

    protected override async Task<CrmGatewayUnderTest> CreateGatewayAsync()
    {
        var host = await HubSpotGatewayHost.StartAsync(o =>
        {
            foreach (var sample in CustomFieldRoundTripTests.Samples)
            {
                o.CustomProperties.Add(sample.HubSpotProperty);
            }
        });
        return new CrmGatewayUnderTest
        {
            Gateway = host.CrmGateway,
            Connection = host.Connection,
            RejectedConnection = HubSpotConformanceTests.Rejected(host.Connection),
            Control = new HubSpotConformanceTests.HubSpotControl(host.Emulator),
            Owner = host,
        };
    }
}
