using System.Text.RegularExpressions;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>
/// Custom deal properties (<see cref="CrmConnection.RecordFields"/>): read in the same reads and searches as the gateway's
/// own properties, written in the same batch updates (HubSpot takes every property value as a string and clears one
/// with <c>""</c>), compared in canonical form in preconditions.
/// </content>
internal sealed partial class HubSpotGateway
{
    private const string PropertyNameRule = "a HubSpot internal property name (a lowercase letter, then lowercase letters, digits or '_'; at most 100 characters)";

    private readonly CrmRecordFields _recordFields;

    /// <summary>
    /// Whether <paramref name="name"/> is an internal property name: HubSpot's internal names are lowercase letters,
    /// digits and underscores starting with a letter (https://developers.hubspot.com/docs/api/crm/properties: the
    /// <c>name</c> "internal property name, which must be used when referencing the property via the API"). Anything
    /// else never reaches a URL or a request body.
    /// </summary>
    internal static bool IsPropertyName(string name) => name.Length is > 0 and <= 100 && PropertyNamePattern().IsMatch(name);

    /// <summary>The connection's custom properties, checked (<see cref="CrmSyncFieldMappingException"/> for a bad name).</summary>
    private static IReadOnlyList<string> RecordFieldsOf(CrmConnection connection) => CrmRecordFields.Of(connection, IsPropertyName, PropertyNameRule);

    /// <summary>The properties to read: the gateway's own, then the custom ones not among them.</summary>
    private static IReadOnlyList<string> ReadProperties(IReadOnlyList<string> custom)
        => custom.Count == 0 ? DealProperties : [.. DealProperties.Union(custom, StringComparer.Ordinal)];

    /// <summary>The custom properties' values of a deal (HubSpot's text; empty as null).</summary>
    private static IReadOnlyDictionary<string, string?> ReadRecordFields(HubSpotObjectData deal, IReadOnlyList<string> custom)
    {
        var fields = new Dictionary<string, string?>(custom.Count, StringComparer.Ordinal);
        foreach (var name in custom)
        {
            fields[name] = deal[name] is { Length: > 0 } value ? value : null;
        }

        return fields;
    }

    /// <summary>The first custom property whose current value differs (canonically) from the value the engine read, or <see langword="null"/>.</summary>
    private static string? ChangedProperty(HubSpotObjectData deal, IReadOnlyDictionary<string, string?>? expected, IReadOnlyList<string> custom, Fields.CrmObjectMetadata? metadata)
    {
        foreach (var (name, value) in expected ?? new Dictionary<string, string?>())
        {
            if (custom.Contains(name, StringComparer.Ordinal)
                && !CrmRecordFields.SameValue(CrmProvider.HubSpot, name, metadata is null ? null : CrmRecordFields.Find(metadata, name), value, deal[name]))
            {
                return name;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^[a-z][a-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PropertyNamePattern();
}
