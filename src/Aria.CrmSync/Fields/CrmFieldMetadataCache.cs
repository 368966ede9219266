using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Fields;

/// <summary>
/// Caches each connection's CRM field metadata for <see cref="CrmFieldCatalogOptions.MetadataCacheDuration"/>, reads it
/// again after <see cref="Invalidate"/> (call it when a write fails with a metadata error: <see cref="IsMetadataError"/>),
/// and validates a catalogue against it. Registered by <c>AddFieldCatalog</c>.
/// </summary>
public sealed class CrmFieldMetadataCache
{
    /// <summary>The CRM error codes that mean the CRM's fields are not what the cached metadata says.</summary>
    private static readonly HashSet<string> MetadataErrorCodes = new(StringComparer.Ordinal)
    {
        // Salesforce errorCode values
        "INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "STRING_TOO_LONG",
        "NUMBER_OUTSIDE_VALID_RANGE", "INVALID_TYPE_ON_FIELD_IN_RECORD",

        // HubSpot category of a refused property value (PROPERTY_DOESNT_EXIST, INVALID_OPTION, READ_ONLY_VALUE, …)
        "VALIDATION_ERROR",
    };

    private readonly TimeProvider _time;
    private readonly Func<TimeSpan> _ttl;
    private readonly Lock _gate = new();
    private readonly Dictionary<(CrmProvider, string), (CrmObjectMetadata Metadata, DateTimeOffset ExpiresAt)> _entries = [];

    /// <summary>Initializes a new instance.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="timeToLive">How long metadata is used before it is read again.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeToLive"/> is negative.</exception>
    public CrmFieldMetadataCache(TimeProvider timeProvider, TimeSpan timeToLive)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeToLive, TimeSpan.Zero);
        _time = timeProvider;
        _ttl = () => timeToLive;
    }

    internal CrmFieldMetadataCache(TimeProvider timeProvider, IOptionsMonitor<CrmFieldCatalogOptions> options)
    {
        _time = timeProvider;
        _ttl = () => options.CurrentValue.MetadataCacheDuration;
    }

    /// <summary>Returns the connection's metadata: cached while fresh, otherwise read from <paramref name="source"/>.</summary>
    /// <param name="source">The gateway (or another source) of the connection's CRM.</param>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The metadata.</returns>
    public async Task<CrmObjectMetadata> GetAsync(ICrmFieldMetadataSource source, CrmConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(connection);
        var key = (connection.Provider, connection.ConnectionKey);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > _time.GetUtcNow())
            {
                return entry.Metadata;
            }
        }

        var metadata = await source.GetDealFieldMetadataAsync(connection, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _entries[key] = (metadata, _time.GetUtcNow() + _ttl());
        }

        return metadata;
    }

    /// <summary>Drops the connection's cached metadata, so the next <see cref="GetAsync"/> reads it again.</summary>
    /// <param name="connection">The connection.</param>
    public void Invalidate(CrmConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_gate)
        {
            _entries.Remove((connection.Provider, connection.ConnectionKey));
        }
    }

    /// <summary>Validates <paramref name="catalog"/> against the connection's (cached) metadata.</summary>
    /// <param name="source">The gateway of the connection's CRM.</param>
    /// <param name="catalog">The catalogue.</param>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>Every problem, each naming the connection, the field and what is wrong; empty when the mapping fits.</returns>
    public async Task<IReadOnlyList<CrmFieldIssue>> ValidateAsync(ICrmFieldMetadataSource source, CrmFieldCatalog catalog, CrmConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var metadata = await GetAsync(source, connection, cancellationToken).ConfigureAwait(false);
        return CrmFieldMetadataValidator.Validate(catalog, connection, metadata);
    }

    /// <summary>Whether <paramref name="exception"/> is a CRM refusal that may come from changed field metadata (a field removed, made read-only, a picklist value dropped).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> for such a refusal.</returns>
    public static bool IsMetadataError(Exception exception)
        => exception is CrmRequestException { ProviderErrorCode: { } code } && IsMetadataErrorCode(code);

    /// <summary>Whether a CRM error code (a refused record's <see cref="CrmWriteResult.ErrorCode"/>) may come from changed field metadata.</summary>
    internal static bool IsMetadataErrorCode(string code) => MetadataErrorCodes.Contains(code);
}
