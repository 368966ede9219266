namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

// The Salesforce gateway suites again, with the connection brokered by a Composio emulator in front of the same org:
// every assertion (outcomes and the org's API-call counts) must hold unchanged.

public sealed class SalesforceGatewayRecordViaComposioTests : SalesforceGatewayRecordTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class SalesforceGatewayBatchReadViaComposioTests : SalesforceGatewayBatchReadTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class SalesforceGatewayChangeViaComposioTests : SalesforceGatewayChangeTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class SalesforceGatewayUpdateViaComposioTests : SalesforceGatewayUpdateTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class SalesforceGatewayNoteViaComposioTests : SalesforceGatewayNoteTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class SalesforceGatewayActivityViaComposioTests : SalesforceGatewayActivityTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class SalesforceEngineEndToEndViaComposioTests(Xunit.Abstractions.ITestOutputHelper output) : SalesforceEngineEndToEndTests(output)
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}
