using Xunit.Abstractions;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

// The HubSpot gateway suites again, with the connection brokered by a Composio emulator in front of the same portal:
// every assertion (outcomes and the portal's API-call counts) must hold unchanged.

public sealed class HubSpotReadViaComposioTests : HubSpotReadTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class HubSpotChangeStreamViaComposioTests : HubSpotChangeStreamTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class HubSpotWriteViaComposioTests : HubSpotWriteTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class HubSpotNoteViaComposioTests : HubSpotNoteTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class HubSpotActivityViaComposioTests : HubSpotActivityTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public sealed class HubSpotEndToEndViaComposioTests(ITestOutputHelper output) : HubSpotEndToEndTests(output)
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}
