namespace Aria.CrmSync.Testing;

/// <summary>One stored value of a property with when and how it was set.</summary>
internal sealed record HubSpotPropertyVersion(string? Value, DateTimeOffset Timestamp, string SourceType, string? SourceId);

/// <summary>A stored CRM record.</summary>
internal sealed class HubSpotStoredObject
{
    public required HubSpotObjectType Type { get; init; }

    public required long Id { get; init; }

    public Dictionary<string, string?> Properties { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<HubSpotPropertyVersion>> History { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ArchivedAt { get; set; }

    public bool Archived => ArchivedAt is not null;

    public string IdText => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string? Get(string name) => Properties.TryGetValue(name, out var value) ? value : null;

    public void Set(string name, string? value, DateTimeOffset timestamp, string sourceType = "API", string? sourceId = null)
    {
        Properties[name] = value;
        if (!History.TryGetValue(name, out var versions))
        {
            versions = [];
            History[name] = versions;
        }

        versions.Insert(0, new HubSpotPropertyVersion(value, timestamp, sourceType, sourceId));
    }

    public HubSpotObject Snapshot()
        => new(Type.Name, IdText, new Dictionary<string, string?>(Properties, StringComparer.Ordinal), CreatedAt, UpdatedAt, ArchivedAt);
}

/// <summary>A directed association edge's types: (category, type id).</summary>
internal readonly record struct HubSpotAssociationType(string Category, int TypeId);

/// <summary>A user-defined association label.</summary>
internal sealed record HubSpotAssociationLabel(string FromType, string ToType, int TypeId, int InverseTypeId, string Label, string Category);
