using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Sample;

/// <summary>
/// The local Salesforce org and HubSpot portal the sample talks to: loopback HTTP servers whose data is saved in the
/// data directory, so each run continues the org the last run left.
/// </summary>
internal sealed class CrmEmulators : IAsyncDisposable
{
    private readonly SampleSettings _settings;

    private CrmEmulators(SampleSettings settings, SalesforceEmulator salesforce, HubSpotEmulator hubSpot)
    {
        _settings = settings;
        Salesforce = salesforce;
        HubSpot = hubSpot;
    }

    public SalesforceEmulator Salesforce { get; }

    public HubSpotEmulator HubSpot { get; }

    public Uri SalesforceUrl { get; private set; } = null!;

    public Uri HubSpotUrl { get; private set; } = null!;

    /// <summary>Whether the orgs were created (seeded) by this run rather than loaded from an earlier one.</summary>
    public bool Fresh { get; private set; }

    private string SalesforceStatePath => Path.Combine(_settings.DataDirectory, "salesforce-org.json");

    private string HubSpotStatePath => Path.Combine(_settings.DataDirectory, "hubspot-portal.json");

    public static async Task<CrmEmulators> StartAsync(SampleSettings settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var salesforceOptions = new SalesforceEmulatorOptions { Seed = settings.Seed, DailyApiRequestLimit = 100_000 };
        // The org's custom fields, described by sobjects/Opportunity/describe like any custom field; the sample's field
        // catalogue (appsettings.json, CrmSync:FieldCatalog) maps them to the lead fields region and seats.
        salesforceOptions.CustomFields.Add(new SalesforceCustomField(CustomFields.SalesforceRegion, "picklist") { PicklistValues = CustomFields.SalesforceRegions, RestrictedPicklist = true, Length = 40 });
        salesforceOptions.CustomFields.Add(new SalesforceCustomField(CustomFields.SalesforceSeats, "double") { Precision = 9, Scale = 0 });

        // Search sees writes 1-3 s late, as in a real portal ("it may take a few moments for newly created or updated
        // records to appear" — https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm): a deal
        // edited just before a sync reaches its lead in the next run, inside the sync's overlap window.
        var hubSpotOptions = new HubSpotEmulatorOptions { Seed = settings.Seed, SearchIndexLag = TimeSpan.FromSeconds(1), SearchIndexLagJitter = TimeSpan.FromSeconds(2) };
        // The portal's custom deal properties, described by /crm/v3/properties/deals like any custom property.
        hubSpotOptions.CustomProperties.Add(new HubSpotCustomProperty(CustomFields.HubSpotRegion, HubSpotPropertyType.Enumeration) { FieldType = "select", Options = CustomFields.HubSpotRegions, Label = "Sales region" });
        hubSpotOptions.CustomProperties.Add(new HubSpotCustomProperty(CustomFields.HubSpotSeats, HubSpotPropertyType.Number) { FieldType = "number", Label = "Seats" });

        var emulators = new CrmEmulators(settings, new SalesforceEmulator(salesforceOptions), new HubSpotEmulator(hubSpotOptions));

        var loaded = emulators.TryLoad();
        if (!loaded)
        {
            OrgSeeder.SeedSalesforce(emulators.Salesforce, settings.SalesforceOpportunities, settings.Seed);
            OrgSeeder.SeedHubSpot(emulators.HubSpot, settings.HubSpotDeals, settings.Seed);
            emulators.Save();
        }

        emulators.Fresh = !loaded;
        emulators.SalesforceUrl = (await emulators.Salesforce.StartServerAsync(settings.SalesforcePort, cancellationToken)).BaseAddress;
        emulators.HubSpotUrl = (await emulators.HubSpot.StartServerAsync(settings.HubSpotPort, cancellationToken)).BaseAddress;
        emulators.Salesforce.Calls.Reset();
        emulators.HubSpot.Calls.Reset();
        return emulators;
    }

    public void Save()
    {
        using (var file = File.Create(SalesforceStatePath))
        {
            Salesforce.SaveState(file);
        }

        using (var file = File.Create(HubSpotStatePath))
        {
            HubSpot.SaveState(file);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Salesforce.DisposeAsync();
        await HubSpot.DisposeAsync();
    }

    private bool TryLoad()
    {
        if (!File.Exists(SalesforceStatePath) || !File.Exists(HubSpotStatePath))
        {
            return false;
        }

        try
        {
            using (var file = File.OpenRead(SalesforceStatePath))
            {
                Salesforce.LoadState(file);
            }

            using (var file = File.OpenRead(HubSpotStatePath))
            {
                HubSpot.LoadState(file);
            }

            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            Console.WriteLine($"The saved CRM data in {_settings.DataDirectory} could not be loaded ({ex.Message}); delete the directory to start over.");
            throw;
        }
    }
}
