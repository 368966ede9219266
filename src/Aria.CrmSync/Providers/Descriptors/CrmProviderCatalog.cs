namespace Aria.CrmSync;

/// <summary>
/// The CRMs an application knows: the <see cref="CrmProviderDescriptor"/> registered with each gateway, plus the
/// well-known <see cref="CrmProviderDescriptor.Salesforce"/> and <see cref="CrmProviderDescriptor.HubSpot"/>. A later
/// registration for the same provider replaces an earlier one. Registered as a singleton by <c>AddAriaCrmSync()</c>.
/// </summary>
public sealed class CrmProviderCatalog
{
    private readonly Dictionary<CrmProvider, CrmProviderDescriptor> _descriptors = [];

    /// <summary>Initializes a new instance of the <see cref="CrmProviderCatalog"/> class.</summary>
    /// <param name="descriptors">The registered descriptors; the well-known ones are added first.</param>
    /// <exception cref="CrmSyncValidationException">A descriptor is not valid (<see cref="CrmProviderDescriptor.Validate"/>).</exception>
    public CrmProviderCatalog(IEnumerable<CrmProviderDescriptor> descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        foreach (var descriptor in (IEnumerable<CrmProviderDescriptor>)[CrmProviderDescriptor.Salesforce, CrmProviderDescriptor.HubSpot, .. descriptors])
        {
            ArgumentNullException.ThrowIfNull(descriptor, nameof(descriptors));
            descriptor.Validate();
            _descriptors[descriptor.Provider] = descriptor;
        }
    }

    /// <summary>Gets a catalog of the well-known CRMs only.</summary>
    public static CrmProviderCatalog WellKnown { get; } = new([]);

    /// <summary>Gets every known descriptor.</summary>
    public IReadOnlyCollection<CrmProviderDescriptor> All => _descriptors.Values;

    /// <summary>Finds the descriptor of a CRM.</summary>
    /// <param name="provider">The CRM.</param>
    /// <param name="descriptor">The descriptor when one is known.</param>
    /// <returns><see langword="true"/> when the CRM is known.</returns>
    public bool TryGet(CrmProvider provider, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CrmProviderDescriptor? descriptor)
        => _descriptors.TryGetValue(provider, out descriptor);

    /// <summary>Gets the descriptor of a CRM.</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="provider"/> is <c>default</c>.</exception>
    /// <exception cref="CrmSyncValidationException">No descriptor is registered for <paramref name="provider"/>.</exception>
    public CrmProviderDescriptor Get(CrmProvider provider)
    {
        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
        }

        return TryGet(provider, out var descriptor)
            ? descriptor
            : throw NotRegistered(provider);
    }

    /// <summary>Gets the display name of a CRM: its descriptor's, or the wire value when none is registered (never throws).</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The name, for example <c>HubSpot</c>.</returns>
    public string GetDisplayName(CrmProvider provider)
        => TryGet(provider, out var descriptor) ? descriptor.DisplayName : provider.IsDefault ? "(no CRM)" : provider.Value;

    internal static CrmSyncValidationException NotRegistered(CrmProvider provider)
        => new($"No descriptor is registered for the CRM '{provider.Value}': register its gateway with AddAriaCrmSync().AddGateway<TGateway>(descriptor).", "provider", provider);
}
