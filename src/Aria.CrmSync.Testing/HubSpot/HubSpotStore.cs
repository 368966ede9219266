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

    public DateTimeOffset? ArchivedAt
    {
        get;
        set
        {
            field = value;
            Version++;
        }
    }

    /// <summary>Gets a counter that moves with every property write or archive (the search index notices changes by it).</summary>
    public long Version { get; private set; }

    public bool Archived => ArchivedAt is not null;

    public string IdText => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string? Get(string name) => Properties.TryGetValue(name, out var value) ? value : null;

    public void Set(string name, string? value, DateTimeOffset timestamp, string sourceType = "API", string? sourceId = null)
    {
        Properties[name] = value;
        Version++;
        if (!History.TryGetValue(name, out var versions))
        {
            versions = [];
            History[name] = versions;
        }

        versions.Insert(0, new HubSpotPropertyVersion(value, timestamp, sourceType, sourceId));
    }

    /// <summary>A copy of the current properties and times, as the search index holds it.</summary>
    public HubSpotStoredObject IndexCopy()
    {
        var copy = new HubSpotStoredObject { Type = Type, Id = Id, CreatedAt = CreatedAt, UpdatedAt = UpdatedAt, ArchivedAt = ArchivedAt };
        foreach (var (name, value) in Properties)
        {
            copy.Properties[name] = value;
        }

        return copy;
    }

    public HubSpotObject Snapshot()
        => new(Type.Name, IdText, new Dictionary<string, string?>(Properties, StringComparer.Ordinal), CreatedAt, UpdatedAt, ArchivedAt);
}

/// <summary>A directed association edge's types: (category, type id).</summary>
internal readonly record struct HubSpotAssociationType(string Category, int TypeId);

/// <summary>A user-defined association label.</summary>
internal sealed record HubSpotAssociationLabel(string FromType, string ToType, int TypeId, int InverseTypeId, string Label, string Category);
