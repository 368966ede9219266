using System.Text.Json.Nodes;
using Aria.CrmSync.IntegrationTests.ExternalClients;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

/// <summary>Runs only when <c>ARIA_SALESFORCE_NODE_CLIENT_DIR</c> names a folder with <c>node_modules/jsforce</c>.</summary>
public sealed class JsforceFactAttribute() : NodePackageFactAttribute("ARIA_SALESFORCE_NODE_CLIENT_DIR", "jsforce");

public sealed class SalesforceNodeClientTests
{
    [JsforceFact]
    public async Task Jsforce_DrivesTheEmulatorOverLoopback()
    {
        await using var h = await SfTestHost.StartAsync();
        var run = await NodeClientCheck.RunAsync("ARIA_SALESFORCE_NODE_CLIENT_DIR", Path.Combine("Salesforce", "Emulator", "ExternalClients", "jsforce-check.js"), new
        {
            instanceUrl = h.Tokens.InstanceUrl.ToString().TrimEnd('/'),
            accessToken = h.Tokens.AccessToken,
            refreshToken = h.Tokens.RefreshToken,
            clientId = h.Emulator.Options.ClientId,
            clientSecret = h.Emulator.Options.ClientSecret,
            username = h.Emulator.Options.Username,
            password = h.Emulator.Options.Password + h.Emulator.Options.SecurityToken,
            version = SfTestHost.Version,
        });
        Assert.True(run.ExitCode == 0, run.ToString());
        var summary = JsonNode.Parse(run.Output.TrimEnd().Split('\n')[^1])!;
        Assert.Equal(0, summary["failed"]!.GetValue<int>());
        Assert.True(summary["passed"]!.GetValue<int>() >= 40, run.Output);
    }
}
