using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Aria.CrmSync.Fields;

namespace Aria.CrmSync.Sync;

/// <summary>
/// Gives each connection the engine resolves its fields: the connection's catalogue (<see cref="ICrmFieldCatalogResolver"/>),
/// checked against the CRM's field metadata before anything is read or written (<see cref="CrmFieldMetadataCache"/>,
/// when the gateway is an <see cref="ICrmFieldMetadataSource"/>), and the custom CRM fields attached to the connection
/// (<see cref="CrmConnection.RecordFields"/>) so the gateway reads and writes them. The prepared connection carries its
/// <see cref="ConnectionFieldMap"/> (<see cref="For"/>). Without a resolver (no <c>AddFieldCatalog</c>), or when the
/// catalogue has no field beyond the four default ones for the CRM, nothing is resolved or read: the default fields sync
/// as they always did.
/// </summary>
internal sealed class ConnectionFields(SyncEngineEnvironment env, CrmFieldMetadataCache metadata, ICrmFieldCatalogResolver? resolver = null)
{
    /// <summary>The record's currency field per CRM, read along with a currency field when the CRM has it (a multi-currency org or portal).</summary>
    private static readonly Dictionary<CrmProvider, string> CurrencyFields = new()
    {
        // A multi-currency org's records carry their currency in CurrencyIsoCode (present only with multicurrency enabled:
        // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/api/sforce_api_calls_soql_consider_cur_data.htm).
        [CrmProvider.Salesforce] = "CurrencyIsoCode",

        // A deal's currency: only the portal's currencies are valid
        // (https://developers.hubspot.com/changelog/deal-currenct-code-validation, "name":"deal_currency_code").
        [CrmProvider.HubSpot] = "deal_currency_code",
    };

    private readonly ConditionalWeakTable<CrmConnection, ConnectionFieldMap> _maps = [];
    private readonly ConditionalWeakTable<CrmFieldCatalog, ConcurrentDictionary<CrmProvider, (IReadOnlyList<CrmFieldDefinition> Custom, CrmFieldCatalog? Catalog)>> _custom = [];
    private readonly ConcurrentDictionary<CrmProvider, ConnectionFieldMap> _defaults = new();

    /// <summary>The fields of a connection prepared by <see cref="PrepareAsync"/>; the default fields for any other.</summary>
    public ConnectionFieldMap For(CrmConnection connection)
        => _maps.TryGetValue(connection, out var map) ? map : _defaults.GetOrAdd(connection.Provider, static (p, options) => ConnectionFieldMap.Default(options, p), env.Options);

    /// <summary>
    /// Resolves the connection's catalogue, validates its custom fields against the CRM's (cached) metadata, and returns the
    /// connection with <see cref="CrmConnection.RecordFields"/> set; sync it with this instance.
    /// </summary>
    /// <exception cref="CrmSyncFieldMappingException">The mapping is invalid, or does not fit the CRM (each issue names the connection).</exception>
    /// <exception cref="CrmSyncException">The CRM's metadata could not be read.</exception>
    public async Task<CrmConnection> PrepareAsync(ICrmGateway gateway, CrmConnection connection, CancellationToken cancellationToken)
    {
        if (resolver is null)
        {
            return connection;
        }

        var catalog = await resolver.ResolveAsync(connection, cancellationToken).ConfigureAwait(false);
        var provider = connection.Provider;
        var (custom, customCatalog) = _custom.GetValue(catalog, static _ => new()).GetOrAdd(provider, static (p, c) =>
        {
            var fields = ConnectionFieldMap.CustomFieldsOf(c, p);
            return (fields, fields.Count == 0 ? null : CrmFieldCatalog.Create(fields));
        }, catalog);
        if (customCatalog is null)
        {
            return connection;
        }

        CrmObjectMetadata? crmMetadata = null;
        string? currencyField = null;
        if (MetadataSource(gateway) is { } source)
        {
            crmMetadata = await metadata.GetAsync(source, connection, cancellationToken).ConfigureAwait(false);
            var issues = CrmFieldMetadataValidator.Validate(customCatalog, connection, crmMetadata);
            if (issues.Count > 0)
            {
                throw new CrmSyncFieldMappingException(issues);
            }

            if (custom.Any(f => f.Type == CrmFieldType.Currency) && CurrencyFields.TryGetValue(provider, out var currency) && crmMetadata.Fields.ContainsKey(currency))
            {
                currencyField = currency;
            }
        }

        var map = ConnectionFieldMap.Create(env.Options, provider, custom, currencyField, crmMetadata);
        var prepared = connection with { RecordFields = map.RecordFields };
        _maps.AddOrUpdate(prepared, map);
        return prepared;
    }

    /// <summary>A write of the connection failed in a way that may come from changed CRM fields: its metadata is read again before the next sync.</summary>
    public void WriteRefused(CrmConnection connection, string? errorCode)
    {
        if (errorCode is not null && CrmFieldMetadataCache.IsMetadataErrorCode(errorCode))
        {
            metadata.Invalidate(connection);
        }
    }

    /// <inheritdoc cref="WriteRefused(CrmConnection, string?)"/>
    public void WriteFailed(CrmConnection connection, Exception exception)
    {
        if (CrmFieldMetadataCache.IsMetadataError(exception))
        {
            metadata.Invalidate(connection);
        }
    }

    /// <summary>The gateway's metadata capability, looking through the engine's inbound wrapper.</summary>
    private static ICrmFieldMetadataSource? MetadataSource(ICrmGateway gateway)
        => gateway as ICrmFieldMetadataSource ?? (gateway as InboundCrmGateway)?.Inner as ICrmFieldMetadataSource;
}
