using Aria.CrmSync.IntegrationTests.ExternalClients;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>Runs only when <c>ARIA_HUBSPOT_NODE_CLIENT_DIR</c> names a folder with <c>node_modules/@hubspot/api-client</c>.</summary>
public sealed class NodeClientFactAttribute() : NodePackageFactAttribute("ARIA_HUBSPOT_NODE_CLIENT_DIR", "@hubspot/api-client");

public sealed class HubSpotNodeClientTests
{
    [NodeClientFact]
    public async Task OfficialNodeClient_DrivesTheEmulatorOverLoopback()
    {
        await using var h = await HubSpotHarness.StartAsync(o => o.SearchRequestsPerSecond = 1000);
        var tokens = h.Emulator.IssueOAuthTokens();
        var run = await NodeClientCheck.RunAsync("ARIA_HUBSPOT_NODE_CLIENT_DIR", Path.Combine("HubSpot", "Emulator", "ExternalClients", "node-client-check.js"), new
        {
            baseUrl = h.Client.BaseAddress!.ToString().TrimEnd('/'),
            token = h.Token,
            refresh = tokens.RefreshToken,
            clientId = h.Emulator.Options.ClientId,
            clientSecret = h.Emulator.Options.ClientSecret,
        });
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("0 failed", run.Output);
    }
}
