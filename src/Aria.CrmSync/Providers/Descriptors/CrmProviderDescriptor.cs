namespace Aria.CrmSync;

/// <summary>
/// Everything provider-specific the engine needs to know about a CRM: its display name, default stage map, batch limits
/// and capabilities. A gateway package registers one with its gateway
/// (<c>AddAriaCrmSync().AddGateway&lt;TGateway&gt;(descriptor)</c>);
/// <see cref="Salesforce"/> and <see cref="HubSpot"/> are registered by <c>AddSalesforce</c>/<c>AddHubSpot</c> and are
/// always known to <see cref="CrmProviderCatalog"/>.
/// </summary>
/// <remarks>Immutable once built; <see cref="CrmProviderCatalog"/> checks it (<see cref="Validate"/>) when it is registered.</remarks>
public sealed class CrmProviderDescriptor
{
    /// <summary>Gets the CRM described.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>Gets the CRM's name for people, for example <c>Salesforce</c>; used in messages and logs.</summary>
    public required string DisplayName { get; init; }

    /// <summary>Gets the name of the CRM's record a lead is linked to, for example <c>Salesforce Opportunity</c> (used in not-found errors).</summary>
    /// <value>The default value is <see cref="DisplayName"/> followed by <c> record</c>.</value>
    public string RecordName
    {
        get => field ?? $"{DisplayName} record";
        init;
    }

    /// <summary>Gets the builder call that registers the gateway, for example <c>AddSalesforce(...)</c> (named when none is registered).</summary>
    /// <value>The default value is <c>AddGateway&lt;TGateway&gt;(descriptor)</c>.</value>
    public string RegistrationHint { get; init; } = "AddGateway<TGateway>(descriptor)";

    /// <summary>Gets the prefix of lead ids that <see cref="ICrmLinkService.ImportCrmRecordsAsync"/> gives imported leads, for example <c>lead-sf-</c>.</summary>
    /// <value>The default value is <c>lead-</c>, the wire value and <c>-</c>.</value>
    public string LeadIdPrefix
    {
        get => field ?? $"lead-{Provider.Value}-";
        init;
    }

    /// <summary>
    /// Gets the factory of the CRM's default stage map (a new, mutable map per call), used when
    /// <see cref="CrmSyncOptions.StageMaps"/> holds none for <see cref="Provider"/>; <see langword="null"/> when the CRM
    /// has no default (the application must then configure one).
    /// </summary>
    public Func<CrmStageMap>? DefaultStageMap { get; init; }

    /// <summary>Gets the most records one read call fetches by id.</summary>
    /// <value>The default value is 100.</value>
    public int MaxReadBatchSize { get; init; } = 100;

    /// <summary>Gets the most record updates one write call carries (the gateway's <see cref="ICrmGateway.MaxUpdateBatchSize"/>).</summary>
    /// <value>The default value is 100.</value>
    public int MaxUpdateBatchSize { get; init; } = 100;

    /// <summary>Gets what the CRM and its gateway support.</summary>
    public CrmProviderCapabilities Capabilities { get; init; }

    /// <summary>Gets Salesforce (Opportunities): sObject Collections limits (2,000 ids per read, 200 updates per write).</summary>
    public static CrmProviderDescriptor Salesforce { get; } = new()
    {
        Provider = CrmProvider.Salesforce,
        DisplayName = "Salesforce",
        RecordName = "Salesforce Opportunity",
        RegistrationHint = "AddSalesforce(...)",
        LeadIdPrefix = "lead-sf-",
        DefaultStageMap = CrmStageMap.SalesforceDefault,
        MaxReadBatchSize = Providers.Salesforce.SalesforceGateway.CollectionsReadLimit,
        MaxUpdateBatchSize = Providers.Salesforce.SalesforceGateway.CollectionsWriteLimit,
        Capabilities = CrmProviderCapabilities.CreateRecords | CrmProviderCapabilities.Notes | CrmProviderCapabilities.Activities
            | CrmProviderCapabilities.Deletions | CrmProviderCapabilities.InstanceUrlPerConnection | CrmProviderCapabilities.Contacts,
    };

    /// <summary>Gets HubSpot (Deals): CRM v3 batch limits (100 records per read and per write).</summary>
    public static CrmProviderDescriptor HubSpot { get; } = new()
    {
        Provider = CrmProvider.HubSpot,
        DisplayName = "HubSpot",
        RecordName = "HubSpot deal",
        RegistrationHint = "AddHubSpot(...)",
        LeadIdPrefix = "lead-hs-",
        DefaultStageMap = CrmStageMap.HubSpotDefault,
        MaxReadBatchSize = Providers.HubSpot.HubSpotGateway.BatchLimit,
        MaxUpdateBatchSize = Providers.HubSpot.HubSpotGateway.BatchLimit,
        Capabilities = CrmProviderCapabilities.CreateRecords | CrmProviderCapabilities.Notes | CrmProviderCapabilities.Activities
            | CrmProviderCapabilities.Deletions | CrmProviderCapabilities.Contacts,
    };

    /// <summary>Tells whether the CRM supports every capability in <paramref name="capabilities"/>.</summary>
    /// <param name="capabilities">The capabilities.</param>
    /// <returns><see langword="true"/> when all are declared.</returns>
    public bool Supports(CrmProviderCapabilities capabilities) => (Capabilities & capabilities) == capabilities;

    /// <summary>Checks the descriptor.</summary>
    /// <exception cref="CrmSyncValidationException">The provider is <c>default</c>, a name is empty, or a batch limit is not positive.</exception>
    public void Validate()
    {
        if (Provider.IsDefault)
        {
            throw new CrmSyncValidationException("A CRM provider descriptor needs a Provider.", nameof(Provider));
        }

        var problem = string.IsNullOrWhiteSpace(DisplayName) ? nameof(DisplayName)
            : string.IsNullOrWhiteSpace(RecordName) ? nameof(RecordName)
            : string.IsNullOrEmpty(LeadIdPrefix) ? nameof(LeadIdPrefix)
            : MaxReadBatchSize < 1 ? nameof(MaxReadBatchSize)
            : MaxUpdateBatchSize < 1 ? nameof(MaxUpdateBatchSize)
            : null;
        if (problem is not null)
        {
            throw new CrmSyncValidationException($"The descriptor of {Provider.Value} needs a non-empty {problem} (batch limits at least 1).", problem, Provider);
        }
    }
}
