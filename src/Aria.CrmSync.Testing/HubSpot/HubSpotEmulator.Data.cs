using System.Globalization;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <content>Direct data access for seeding and assertions: no HTTP, not counted, no faults.</content>
public sealed partial class HubSpotEmulator
{
    /// <summary>Gets the names of the emulated object types (deals, notes, calls, emails, meetings, tasks, contacts, companies).</summary>
    public IReadOnlyList<string> ObjectTypes
    {
        get
        {
            lock (_gate)
            {
                return [.. _objects.Keys];
            }
        }
    }

    /// <summary>
    /// Defines a custom property on an object type (e.g. a unique-value property usable as <c>idProperty</c> for
    /// batch upsert).
    /// </summary>
    /// <param name="objectType">The object type (name, singular or type id), e.g. <c>deals</c> or <c>0-3</c>.</param>
    /// <param name="name">The property name.</param>
    /// <param name="type">The property type.</param>
    /// <param name="hasUniqueValue">Whether values are unique per object type.</param>
    /// <param name="options">The allowed options of an enumeration; <see langword="null"/> accepts any value.</param>
    public void DefineProperty(string objectType, string name, HubSpotPropertyType type = HubSpotPropertyType.String, bool hasUniqueValue = false, IReadOnlyList<string>? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_gate)
        {
            RequireType(objectType).Define(new HubSpotPropertyDefinition { Name = name, Type = type, HasUniqueValue = hasUniqueValue, Options = options, Custom = true });
        }
    }

    /// <summary>Defines a custom property with its full description (field type, options, hidden, archived, read-only).</summary>
    /// <param name="property">The property.</param>
    public void DefineProperty(HubSpotCustomProperty property)
    {
        ArgumentNullException.ThrowIfNull(property);
        ArgumentException.ThrowIfNullOrEmpty(property.Name, nameof(property));
        lock (_gate)
        {
            RequireType(property.ObjectType).Define(new HubSpotPropertyDefinition
            {
                Name = property.Name,
                Type = property.Type,
                Options = property.Options,
                FieldType = property.FieldType,
                Hidden = property.Hidden,
                Archived = property.Archived,
                ReadOnly = property.ReadOnly,
                Label = property.Label,
                Custom = true,
            });
        }
    }

    /// <summary>
    /// Inserts a record as if created through the API (validated the same way: unknown properties, options, deal
    /// stages); <paramref name="createdAt"/> and <paramref name="lastModified"/> set its timestamps explicitly.
    /// </summary>
    /// <param name="objectType">The object type, e.g. <c>deals</c>.</param>
    /// <param name="properties">The property values.</param>
    /// <param name="createdAt">The creation time; now when <see langword="null"/>.</param>
    /// <param name="lastModified">The <c>hs_lastmodifieddate</c>; the creation time when <see langword="null"/>.</param>
    /// <returns>The record.</returns>
    /// <exception cref="ArgumentException">A property is invalid.</exception>
    public HubSpotObject InsertObject(string objectType, IReadOnlyDictionary<string, string?> properties, DateTimeOffset? createdAt = null, DateTimeOffset? lastModified = null)
    {
        ArgumentNullException.ThrowIfNull(properties);
        lock (_gate)
        {
            var type = RequireType(objectType);
            var values = ValidateDirect(type, properties, null, isCreate: true);
            var created = createdAt ?? Now;
            var obj = Insert(type, values, created);
            if (createdAt is not null)
            {
                obj.CreatedAt = created;
                obj.Set(type.CreateDateProperty, FormatTime(created), created);
            }

            if (lastModified is { } modified)
            {
                SetModified(obj, modified);
            }

            return obj.Snapshot();
        }
    }

    /// <summary>Updates a record's properties as if through the API (validated); touches <c>hs_lastmodifieddate</c> unless <paramref name="lastModified"/> is given.</summary>
    /// <param name="objectType">The object type.</param>
    /// <param name="id">The record id.</param>
    /// <param name="properties">The property values (empty string or <see langword="null"/> clears).</param>
    /// <param name="lastModified">An explicit <c>hs_lastmodifieddate</c>.</param>
    /// <returns>The record.</returns>
    /// <exception cref="KeyNotFoundException">No such record.</exception>
    public HubSpotObject UpdateObject(string objectType, string id, IReadOnlyDictionary<string, string?> properties, DateTimeOffset? lastModified = null)
    {
        ArgumentNullException.ThrowIfNull(properties);
        lock (_gate)
        {
            var type = RequireType(objectType);
            var obj = Find(type, id, null, archived: false) ?? throw new KeyNotFoundException($"No {type.Singular} {id}.");
            var values = ValidateDirect(type, properties, obj, isCreate: false);
            ApplyUpdate(obj, values, lastModified ?? Now);
            if (lastModified is { } modified)
            {
                SetModified(obj, modified);
            }

            return obj.Snapshot();
        }
    }

    /// <summary>Sets a record's <c>hs_lastmodifieddate</c> (and <c>updatedAt</c>) explicitly, e.g. to make many records share one timestamp.</summary>
    /// <param name="objectType">The object type.</param>
    /// <param name="id">The record id.</param>
    /// <param name="lastModified">The timestamp.</param>
    /// <exception cref="KeyNotFoundException">No such record.</exception>
    public void SetLastModified(string objectType, string id, DateTimeOffset lastModified)
    {
        lock (_gate)
        {
            var type = RequireType(objectType);
            var obj = Find(type, id, null, archived: false) ?? Find(type, id, null, archived: true) ?? throw new KeyNotFoundException($"No {type.Singular} {id}.");
            SetModified(obj, lastModified);
        }
    }

    /// <summary>Archives a record (moves it to the recycling bin) as <c>DELETE</c> would.</summary>
    /// <param name="objectType">The object type.</param>
    /// <param name="id">The record id.</param>
    /// <returns><see langword="true"/> when a live record was archived.</returns>
    public bool ArchiveObject(string objectType, string id)
    {
        lock (_gate)
        {
            var type = RequireType(objectType);
            if (Find(type, id, null, archived: false) is not { } obj)
            {
                return false;
            }

            Archive(obj, Now);
            return true;
        }
    }

    /// <summary>Gets a record, archived or not.</summary>
    /// <param name="objectType">The object type.</param>
    /// <param name="id">The record id.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    public HubSpotObject? GetObject(string objectType, string id)
    {
        lock (_gate)
        {
            var type = RequireType(objectType);
            return (Find(type, id, null, archived: false) ?? Find(type, id, null, archived: true))?.Snapshot();
        }
    }

    /// <summary>Lists the records of a type in id order.</summary>
    /// <param name="objectType">The object type.</param>
    /// <param name="includeArchived">Whether archived records are included.</param>
    /// <returns>The records.</returns>
    public IReadOnlyList<HubSpotObject> ListObjects(string objectType, bool includeArchived = false)
    {
        lock (_gate)
        {
            var type = RequireType(objectType);
            return Store(type).Values.Where(o => includeArchived || !o.Archived).Select(o => o.Snapshot()).ToList();
        }
    }

    /// <summary>Counts the live (not archived) records of a type.</summary>
    /// <param name="objectType">The object type.</param>
    /// <returns>The count.</returns>
    public int CountObjects(string objectType)
    {
        lock (_gate)
        {
            return Store(RequireType(objectType)).Values.Count(o => !o.Archived);
        }
    }

    /// <summary>
    /// Associates two records. Without <paramref name="associationTypeId"/> the default (unlabelled) HUBSPOT_DEFINED
    /// type is used; the inverse direction is always created.
    /// </summary>
    /// <param name="fromObjectType">The from object type, e.g. <c>notes</c>.</param>
    /// <param name="fromId">The from record id.</param>
    /// <param name="toObjectType">The to object type, e.g. <c>deals</c>.</param>
    /// <param name="toId">The to record id.</param>
    /// <param name="associationTypeId">An explicit type id (e.g. 214 note → deal, 5 primary company), or <see langword="null"/>.</param>
    /// <param name="category">The category of <paramref name="associationTypeId"/>.</param>
    /// <exception cref="KeyNotFoundException">A record does not exist.</exception>
    /// <exception cref="ArgumentException">The type id is not valid between the two types.</exception>
    public void Associate(string fromObjectType, string fromId, string toObjectType, string toId, int? associationTypeId = null, string category = "HUBSPOT_DEFINED")
    {
        lock (_gate)
        {
            var from = RequireType(fromObjectType);
            var to = RequireType(toObjectType);
            var fromObj = Find(from, fromId, null, archived: false) ?? throw new KeyNotFoundException($"No {from.Singular} {fromId}.");
            var toObj = Find(to, toId, null, archived: false) ?? throw new KeyNotFoundException($"No {to.Singular} {toId}.");
            HubSpotAssociationType? type = null;
            if (associationTypeId is { } typeId)
            {
                if (TargetOf(from.Name, category, typeId, to.Name) != to.Name)
                {
                    throw new ArgumentException($"{category} {typeId} is not an association type from {from.Singular} to {to.Singular}.", nameof(associationTypeId));
                }

                type = new HubSpotAssociationType(category, typeId);
            }
            else if (!HubSpotSchema.DefaultTypeIds.ContainsKey((from.Name, to.Name)))
            {
                throw new ArgumentException($"No default association type from {from.Singular} to {to.Singular}.", nameof(toObjectType));
            }

            Associate(from.Name, fromObj.Id, to.Name, toObj.Id, type);
        }
    }

    /// <summary>Lists a record's associations to one object type (live targets only).</summary>
    /// <param name="fromObjectType">The from object type.</param>
    /// <param name="fromId">The from record id.</param>
    /// <param name="toObjectType">The to object type.</param>
    /// <returns>One entry per (target, type).</returns>
    public IReadOnlyList<HubSpotAssociation> GetAssociations(string fromObjectType, string fromId, string toObjectType)
    {
        lock (_gate)
        {
            var from = RequireType(fromObjectType);
            var to = RequireType(toObjectType);
            if (!long.TryParse(fromId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return [];
            }

            return Edges(from.Name, id, to.Name)
                .SelectMany(e => e.Types.Select(t => new HubSpotAssociation(to.Name, Invariant(e.ToId), t.Category, t.TypeId)))
                .ToList();
        }
    }

    private Dictionary<string, string?> ValidateDirect(HubSpotObjectType type, IReadOnlyDictionary<string, string?> properties, HubSpotStoredObject? existing, bool isCreate)
    {
        var input = new JsonObject();
        foreach (var (name, value) in properties)
        {
            input[name] = value;
        }

        var errors = new List<HubSpotPropertyError>();
        var values = ValidateProperties(type, input, existing, isCreate, errors, allowReadOnly: true);
        errors.RemoveAll(e => e.Code == "REQUIRED_PROPERTY");
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Name}: {e.Code} {e.Message}")), nameof(properties));
        }

        values.Remove("hs_object_id");
        values.Remove("hs_lastmodifieddate");
        return values;
    }

    private void SetModified(HubSpotStoredObject obj, DateTimeOffset modified)
    {
        obj.UpdatedAt = modified;
        obj.Set("hs_lastmodifieddate", FormatTime(modified), modified);
        if (obj.Type.Name == "contacts")
        {
            obj.Set("lastmodifieddate", FormatTime(modified), modified);
        }
    }
}
