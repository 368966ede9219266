namespace Aria.CrmSync.IntegrationTests;

/// <summary>How the gateway test hosts reach the CRM emulator.</summary>
public enum GatewayTransport
{
    /// <summary>The gateway calls the CRM emulator with the connection's own tokens.</summary>
    Direct,

    /// <summary>The connection is brokered: every call goes through a <c>ComposioEmulator</c> in front of the CRM emulator.</summary>
    Composio,
}
