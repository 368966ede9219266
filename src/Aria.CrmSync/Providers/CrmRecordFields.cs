using Aria.CrmSync.Fields;

namespace Aria.CrmSync.Providers;

/// <summary>
/// The custom record fields a connection asks a gateway to read and write (<see cref="CrmConnection.RecordFields"/>):
/// their names checked before any of them reaches a query or a URL, the CRM's field metadata kept per connection, and
/// wire values compared in canonical form (<see cref="CrmFieldValues"/>, <see cref="CrmFieldValue"/> equality).
/// </summary>
internal sealed class CrmRecordFields
{
    /// <summary>How long a gateway keeps a connection's field metadata for writing and comparing custom fields.</summary>
    internal static readonly TimeSpan MetadataLifetime = TimeSpan.FromMinutes(15);

    private readonly CrmFieldMetadataCache _cache;
    private readonly ICrmFieldMetadataSource _source;

    public CrmRecordFields(ICrmFieldMetadataSource source, TimeProvider time)
    {
        _source = source;
        _cache = new CrmFieldMetadataCache(time, MetadataLifetime);
    }

    /// <summary>
    /// Returns the connection's record fields without duplicates (ordinal), each checked with <paramref name="isValid"/>.
    /// </summary>
    /// <exception cref="CrmSyncFieldMappingException">A name breaks the CRM's naming rule (<paramref name="rule"/>); every bad name is an issue.</exception>
    public static IReadOnlyList<string> Of(CrmConnection connection, Func<string, bool> isValid, string rule)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var names = connection.RecordFields ?? [];
        if (names.Count == 0)
        {
            return [];
        }

        List<CrmFieldIssue>? issues = null;
        var result = new List<string>(names.Count);
        foreach (var name in names)
        {
            if (name is null || !isValid(name))
            {
                var shown = name is null ? "null" : name.Length <= 60 ? $"'{name}'" : $"'{name[..60]}…'";
                (issues ??= []).Add(new CrmFieldIssue(string.Empty, CrmFieldIssueKind.InvalidName, $"connection '{connection.ConnectionKey}': the {connection.Provider.Value} field name {shown} in RecordFields is not {rule}")
                {
                    Provider = connection.Provider,
                    CrmField = name,
                    Connection = connection.ConnectionKey,
                });
                continue;
            }

            if (!result.Contains(name, StringComparer.Ordinal))
            {
                result.Add(name);
            }
        }

        return issues is null ? result : throw new CrmSyncFieldMappingException(issues);
    }

    /// <summary>
    /// Returns the connection's field metadata, cached for <see cref="MetadataLifetime"/>; read again once when it lacks
    /// one of <paramref name="names"/> (a field created since it was read).
    /// </summary>
    public async Task<CrmObjectMetadata> MetadataAsync(CrmConnection connection, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var metadata = await _cache.GetAsync(_source, connection, cancellationToken).ConfigureAwait(false);
        if (names.All(n => Find(metadata, n) is not null))
        {
            return metadata;
        }

        _cache.Invalidate(connection);
        return await _cache.GetAsync(_source, connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the connection's metadata (after the CRM refused a value for a reason the metadata should have shown).</summary>
    public void Invalidate(CrmConnection connection) => _cache.Invalidate(connection);

    /// <summary>The metadata of a field by name (Salesforce names are case-insensitive; HubSpot's are lowercase).</summary>
    public static CrmFieldMetadata? Find(CrmObjectMetadata metadata, string name)
        => metadata.Fields.TryGetValue(name, out var field)
            ? field
            : metadata.Fields.Values.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A field definition of a CRM field's own type (from its metadata; text when unknown), to parse and format its wire
    /// values with <see cref="CrmFieldValues"/>. A number keeps the CRM's scale only when <paramref name="withScale"/>.
    /// </summary>
    public static CrmFieldDefinition Definition(CrmProvider provider, string name, CrmFieldMetadata? metadata, bool withScale)
        => new()
        {
            LeadField = name,
            Type = metadata?.Type ?? CrmFieldType.Text,
            CrmFields = new Dictionary<CrmProvider, string> { [provider] = name },
            Scale = withScale && metadata?.Type is CrmFieldType.Decimal or CrmFieldType.Currency or CrmFieldType.Percent ? metadata.Scale : null,
        };

    /// <summary>
    /// Whether the value the engine read (<paramref name="expected"/>) and the record's current value, both in the CRM's
    /// wire format, are the same value in canonical form (<c>1234.50</c> = <c>1234.5</c>, a date = its midnight-UTC
    /// timestamp, multi-select values in any order). Text that is not a value of the field's type compares as written.
    /// </summary>
    public static bool SameValue(CrmProvider provider, string name, CrmFieldMetadata? metadata, string? expected, string? current)
    {
        var definition = Definition(provider, name, metadata, withScale: true);
        try
        {
            return CrmFieldValues.ParseCrm(definition, provider, expected).Equals(CrmFieldValues.ParseCrm(definition, provider, current));
        }
        catch (CrmSyncFieldValueException)
        {
            return string.Equals(expected, current, StringComparison.Ordinal);
        }
    }
}
