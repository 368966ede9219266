using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>The names of the configured <see cref="SalesforceOptions"/>, so a connection naming unknown options fails clearly.</summary>
internal sealed class SalesforceRegistrations
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public void Add(string name)
    {
        lock (_names)
        {
            _names.Add(name);
        }
    }

    public bool Contains(string name)
    {
        lock (_names)
        {
            return _names.Contains(name);
        }
    }

    /// <summary>Gets the options named <paramref name="name"/>; unknown or invalid options are a <see cref="CrmSyncException"/>.</summary>
    public SalesforceOptions Get(IOptionsMonitor<SalesforceOptions> monitor, string? name)
    {
        name ??= Options.DefaultName;
        if (!Contains(name))
        {
            throw new CrmSyncException($"No Salesforce options are named '{name}': register them with AddSalesforce(\"{name}\", ...)", CrmProvider.Salesforce);
        }

        try
        {
            return monitor.Get(name);
        }
        catch (OptionsValidationException ex)
        {
            throw new CrmSyncException($"The Salesforce options '{name}' are not valid: {string.Join(" ", ex.Failures)}", CrmProvider.Salesforce, ex);
        }
    }
}
