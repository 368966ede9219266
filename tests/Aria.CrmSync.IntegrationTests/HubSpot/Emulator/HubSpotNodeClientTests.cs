using System.Diagnostics;
using System.Text.Json;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>Runs only when <c>ARIA_HUBSPOT_NODE_CLIENT_DIR</c> names a folder with <c>node_modules/@hubspot/api-client</c>.</summary>
public sealed class NodeClientFactAttribute : FactAttribute
{
    public NodeClientFactAttribute()
    {
        var dir = Environment.GetEnvironmentVariable("ARIA_HUBSPOT_NODE_CLIENT_DIR");
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(Path.Combine(dir, "node_modules", "@hubspot", "api-client")))
        {
            Skip = "Set ARIA_HUBSPOT_NODE_CLIENT_DIR to a folder where 'npm install @hubspot/api-client' was run.";
        }
    }
}

public sealed class HubSpotNodeClientTests
{
    [NodeClientFact]
    public async Task OfficialNodeClient_DrivesTheEmulatorOverLoopback()
    {
        await using var h = await HubSpotHarness.StartAsync(o => o.SearchRequestsPerSecond = 1000);
        var tokens = h.Emulator.IssueOAuthTokens();
        var info = Path.GetTempFileName();
        await File.WriteAllTextAsync(info, JsonSerializer.Serialize(new
        {
            baseUrl = h.Client.BaseAddress!.ToString().TrimEnd('/'),
            token = h.Token,
            refresh = tokens.RefreshToken,
            clientId = h.Emulator.Options.ClientId,
            clientSecret = h.Emulator.Options.ClientSecret,
        }));
        var script = Path.Combine(AppContext.BaseDirectory, "HubSpot", "Emulator", "ExternalClients", "node-client-check.js");
        var start = new ProcessStartInfo("node", [script, info]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["NODE_PATH"] = Path.Combine(Environment.GetEnvironmentVariable("ARIA_HUBSPOT_NODE_CLIENT_DIR")!, "node_modules");
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        File.Delete(info);
        Assert.True(process.ExitCode == 0, output + errors);
        Assert.Contains("0 failed", output);
    }
}
