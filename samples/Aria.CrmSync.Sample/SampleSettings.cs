using Microsoft.Extensions.Configuration;

namespace Aria.CrmSync.Sample;

/// <summary>What the sample runs against; bound from appsettings.json, environment variables and the command line.</summary>
internal sealed class SampleSettings
{
    public string DataDirectory { get; set; } = "aria-sample-data";

    public string UserId { get; set; } = "aria-sample-user";

    public int Seed { get; set; } = 2026;

    public int SalesforceOpportunities { get; set; } = 300;

    public int HubSpotDeals { get; set; } = 200;

    public int SalesforcePort { get; set; }

    public int HubSpotPort { get; set; }

    /// <summary>Real Salesforce credentials (all empty: use the local emulator).</summary>
    public RealSalesforce Salesforce { get; } = new();

    /// <summary>Real HubSpot credentials (all empty: use the local emulator).</summary>
    public RealHubSpot HubSpot { get; } = new();

    public string DatabasePath => Path.Combine(DataDirectory, "aria-sample.db");

    public string AnchorPath => Path.Combine(DataDirectory, "audit-anchors.jsonl");

    public static SampleSettings Load(IConfiguration configuration)
    {
        var settings = new SampleSettings();
        configuration.GetSection("Sample").Bind(settings);
        configuration.GetSection("Salesforce").Bind(settings.Salesforce);
        configuration.GetSection("HubSpot").Bind(settings.HubSpot);
        return settings;
    }

    internal sealed class RealSalesforce
    {
        public string? InstanceUrl { get; set; }

        public string? LoginUrl { get; set; }

        public string? ClientId { get; set; }

        public string? ClientSecret { get; set; }

        public string? AccessToken { get; set; }

        public string? RefreshToken { get; set; }

        public bool IsConfigured => !string.IsNullOrWhiteSpace(InstanceUrl) && (!string.IsNullOrWhiteSpace(AccessToken) || !string.IsNullOrWhiteSpace(RefreshToken));
    }

    internal sealed class RealHubSpot
    {
        public string? AccessToken { get; set; }

        public string? RefreshToken { get; set; }

        public string? ClientId { get; set; }

        public string? ClientSecret { get; set; }

        public bool IsConfigured => !string.IsNullOrWhiteSpace(AccessToken) || !string.IsNullOrWhiteSpace(RefreshToken);
    }
}
