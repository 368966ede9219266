using Aria.CrmSync.IntegrationTests.Fields;
using Aria.CrmSync.Testing.Conformance;

namespace Aria.CrmSync.IntegrationTests.Conformance;

// The built-in gateways support custom fields, so they opt into the custom-field conformance checks, with one field of
// every catalogue type defined in their emulators.

public sealed class SalesforceCustomFieldConformanceTests : CrmGatewayCustomFieldConformanceTests
{
    protected override IReadOnlyList<CrmConformanceFieldSample> CustomFieldSamples => CustomFieldCrm.ConformanceSamples;

    protected override async Task<CrmGatewayUnderTest> CreateGatewayAsync() => (await CustomFieldCrm.StartAsync(CrmProvider.Salesforce)).ForConformance();
}

public sealed class HubSpotCustomFieldConformanceTests : CrmGatewayCustomFieldConformanceTests
{
    protected override IReadOnlyList<CrmConformanceFieldSample> CustomFieldSamples => CustomFieldCrm.ConformanceSamples;

    protected override async Task<CrmGatewayUnderTest> CreateGatewayAsync() => (await CustomFieldCrm.StartAsync(CrmProvider.HubSpot)).ForConformance();
}
