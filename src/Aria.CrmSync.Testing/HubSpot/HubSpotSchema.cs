namespace Aria.CrmSync.Testing;

/// <summary>A property definition of an emulated object type.</summary>
internal sealed class HubSpotPropertyDefinition
{
    public required string Name { get; init; }

    public HubSpotPropertyType Type { get; init; } = HubSpotPropertyType.String;

    /// <summary>Gets a value indicating whether API writes are rejected (READ_ONLY_VALUE).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Gets a value indicating whether the value is unique per object type (usable as <c>idProperty</c>).</summary>
    public bool HasUniqueValue { get; init; }

    /// <summary>Gets the allowed options of an enumeration (null: any value).</summary>
    public IReadOnlyList<string>? Options { get; init; }

    /// <summary>Gets the label; derived from the name when not set.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the property group.</summary>
    public string? GroupName { get; init; }

    /// <summary>Gets a value indicating whether the property was defined by the portal (not by HubSpot).</summary>
    public bool Custom { get; init; }

    /// <summary>Gets the <c>fieldType</c>; the type's usual one when null.</summary>
    public string? FieldType { get; init; }

    /// <summary>Gets a value indicating whether the property is hidden.</summary>
    public bool Hidden { get; init; }

    /// <summary>Gets a value indicating whether the property is archived (listed only with archived=true, not writable).</summary>
    public bool Archived { get; init; }

    /// <summary>Gets a value indicating whether an enumeration is multi-select (fieldType checkbox: ';'-separated values).</summary>
    public bool MultiSelect => Type == HubSpotPropertyType.Enumeration && FieldType == "checkbox";
}

/// <summary>An emulated CRM object type (deals, engagements, contacts, companies).</summary>
internal sealed class HubSpotObjectType
{
    private readonly Dictionary<string, HubSpotPropertyDefinition> _properties = new(StringComparer.Ordinal);

    public required string Name { get; init; }

    public required string Singular { get; init; }

    public required string TypeId { get; init; }

    /// <summary>Gets the name of the created-date property (<c>createdate</c> or <c>hs_createdate</c>).</summary>
    public required string CreateDateProperty { get; init; }

    /// <summary>Gets the properties returned when a read names none.</summary>
    public required IReadOnlyList<string> DefaultProperties { get; init; }

    /// <summary>Gets the properties searched by a free-text <c>query</c>.</summary>
    public required IReadOnlyList<string> QueryProperties { get; init; }

    /// <summary>Gets the properties required on create.</summary>
    public IReadOnlyList<string> RequiredOnCreate { get; init; } = [];

    /// <summary>Gets the properties always returned whatever the request names.</summary>
    public IReadOnlyList<string> AlwaysReturned => [CreateDateProperty, "hs_lastmodifieddate", "hs_object_id"];

    public IReadOnlyDictionary<string, HubSpotPropertyDefinition> Properties => _properties;

    public void Define(HubSpotPropertyDefinition definition) => _properties[definition.Name] = definition;

    public bool TryGetProperty(string name, out HubSpotPropertyDefinition definition)
        => _properties.TryGetValue(name, out definition!);
}

/// <summary>The built-in object types and HubSpot-defined association types.</summary>
internal static class HubSpotSchema
{
    /// <summary>HUBSPOT_DEFINED association type ids: (from, to) → (default type id, primary type id or null).</summary>
    public static readonly IReadOnlyDictionary<(string From, string To), int> DefaultTypeIds = new Dictionary<(string, string), int>
    {
        [("deals", "contacts")] = 3,
        [("contacts", "deals")] = 4,
        [("deals", "companies")] = 341,
        [("companies", "deals")] = 342,
        [("contacts", "companies")] = 279,
        [("companies", "contacts")] = 280,
        [("companies", "calls")] = 181,
        [("calls", "companies")] = 182,
        [("companies", "emails")] = 185,
        [("emails", "companies")] = 186,
        [("companies", "meetings")] = 187,
        [("meetings", "companies")] = 188,
        [("companies", "notes")] = 189,
        [("notes", "companies")] = 190,
        [("companies", "tasks")] = 191,
        [("tasks", "companies")] = 192,
        [("contacts", "calls")] = 193,
        [("calls", "contacts")] = 194,
        [("contacts", "emails")] = 197,
        [("emails", "contacts")] = 198,
        [("contacts", "meetings")] = 199,
        [("meetings", "contacts")] = 200,
        [("contacts", "notes")] = 201,
        [("notes", "contacts")] = 202,
        [("contacts", "tasks")] = 203,
        [("tasks", "contacts")] = 204,
        [("deals", "calls")] = 205,
        [("calls", "deals")] = 206,
        [("deals", "emails")] = 209,
        [("emails", "deals")] = 210,
        [("deals", "meetings")] = 211,
        [("meetings", "deals")] = 212,
        [("deals", "notes")] = 213,
        [("notes", "deals")] = 214,
        [("deals", "tasks")] = 215,
        [("tasks", "deals")] = 216,
        [("calls", "meetings")] = 399,
        [("meetings", "calls")] = 400,
        [("contacts", "contacts")] = 449,
        [("companies", "companies")] = 450,
        [("deals", "deals")] = 451,
    };

    /// <summary>Primary (labelled "Primary") HUBSPOT_DEFINED types: id → (from, to, inverse id).</summary>
    public static readonly IReadOnlyDictionary<int, (string From, string To, int Inverse)> PrimaryTypes = new Dictionary<int, (string, string, int)>
    {
        [1] = ("contacts", "companies", 2),
        [2] = ("companies", "contacts", 1),
        [5] = ("deals", "companies", 6),
        [6] = ("companies", "deals", 5),
    };

    public static readonly IReadOnlyList<string> CallDirections = ["INBOUND", "OUTBOUND"];

    public static IReadOnlyList<HubSpotObjectType> CreateTypes()
    {
        var deals = new HubSpotObjectType
        {
            Name = "deals",
            Singular = "deal",
            TypeId = "0-3",
            CreateDateProperty = "createdate",
            DefaultProperties = ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"],
            QueryProperties = ["dealname", "description"],
        };
        Common(deals);
        deals.Define(new() { Name = "dealname" });
        deals.Define(new() { Name = "amount", Type = HubSpotPropertyType.Number });
        deals.Define(new() { Name = "closedate", Type = HubSpotPropertyType.DateTime });
        deals.Define(new() { Name = "dealstage", Type = HubSpotPropertyType.Enumeration });
        deals.Define(new() { Name = "pipeline", Type = HubSpotPropertyType.Enumeration });
        deals.Define(new() { Name = "hubspot_owner_id", Type = HubSpotPropertyType.Enumeration });
        deals.Define(new() { Name = "description" });
        deals.Define(new() { Name = "dealtype", Type = HubSpotPropertyType.Enumeration, Options = ["newbusiness", "existingbusiness"] });
        deals.Define(new() { Name = "hs_priority", Type = HubSpotPropertyType.Enumeration, Options = ["low", "medium", "high"] });
        deals.Define(new() { Name = "hs_all_collaborator_owner_ids", Type = HubSpotPropertyType.Enumeration });
        deals.Define(new() { Name = "hs_pinned_engagement_id", Type = HubSpotPropertyType.Number });
        deals.Define(new() { Name = "hs_next_step" });
        deals.Define(new() { Name = "hs_deal_stage_probability", Type = HubSpotPropertyType.Number, ReadOnly = true });
        deals.Define(new() { Name = "hs_is_closed", Type = HubSpotPropertyType.Bool, ReadOnly = true });
        deals.Define(new() { Name = "hs_is_closed_won", Type = HubSpotPropertyType.Bool, ReadOnly = true });
        deals.Define(new() { Name = "hs_is_closed_lost", Type = HubSpotPropertyType.Bool, ReadOnly = true });
        deals.Define(new() { Name = "hs_merged_object_ids", Type = HubSpotPropertyType.Enumeration, ReadOnly = true });
        deals.Define(new() { Name = "num_associated_contacts", Type = HubSpotPropertyType.Number, ReadOnly = true });

        var notes = Engagement("notes", "note", "0-46", ["hs_note_body"]);
        notes.Define(new() { Name = "hs_note_body" });
        notes.Define(new() { Name = "hs_attachment_ids", Type = HubSpotPropertyType.Enumeration });

        var calls = Engagement("calls", "call", "0-48", ["hs_call_title", "hs_call_body"]);
        calls.Define(new() { Name = "hs_call_title" });
        calls.Define(new() { Name = "hs_call_body" });
        calls.Define(new() { Name = "hs_call_direction", Type = HubSpotPropertyType.Enumeration, Options = CallDirections });
        calls.Define(new() { Name = "hs_call_duration", Type = HubSpotPropertyType.Number });
        calls.Define(new()
        {
            Name = "hs_call_status",
            Type = HubSpotPropertyType.Enumeration,
            Options = ["BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS", "MISSED", "NO_ANSWER", "QUEUED", "RINGING"],
        });
        calls.Define(new() { Name = "hs_call_disposition" });
        calls.Define(new() { Name = "hs_call_from_number" });
        calls.Define(new() { Name = "hs_call_to_number" });
        calls.Define(new() { Name = "hs_call_recording_url" });
        calls.Define(new() { Name = "hs_attachment_ids", Type = HubSpotPropertyType.Enumeration });

        var emails = Engagement("emails", "email", "0-49", ["hs_email_subject", "hs_email_text"]);
        emails.Define(new() { Name = "hs_email_subject" });
        emails.Define(new() { Name = "hs_email_text" });
        emails.Define(new() { Name = "hs_email_html" });
        emails.Define(new() { Name = "hs_email_headers" });
        emails.Define(new() { Name = "hs_email_direction", Type = HubSpotPropertyType.Enumeration, Options = ["EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"] });
        emails.Define(new() { Name = "hs_email_status", Type = HubSpotPropertyType.Enumeration, Options = ["BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"] });
        emails.Define(new() { Name = "hs_attachment_ids", Type = HubSpotPropertyType.Enumeration });

        var meetings = Engagement("meetings", "meeting", "0-47", ["hs_meeting_title", "hs_meeting_body"]);
        meetings.Define(new() { Name = "hs_meeting_title" });
        meetings.Define(new() { Name = "hs_meeting_body" });
        meetings.Define(new() { Name = "hs_internal_meeting_notes" });
        meetings.Define(new() { Name = "hs_meeting_external_url" });
        meetings.Define(new() { Name = "hs_meeting_location" });
        meetings.Define(new() { Name = "hs_meeting_start_time", Type = HubSpotPropertyType.DateTime });
        meetings.Define(new() { Name = "hs_meeting_end_time", Type = HubSpotPropertyType.DateTime });
        meetings.Define(new() { Name = "hs_meeting_outcome", Type = HubSpotPropertyType.Enumeration });
        meetings.Define(new() { Name = "hs_activity_type", Type = HubSpotPropertyType.Enumeration });
        meetings.Define(new() { Name = "hs_attachment_ids", Type = HubSpotPropertyType.Enumeration });

        var tasks = Engagement("tasks", "task", "0-27", ["hs_task_subject", "hs_task_body"]);
        tasks.Define(new() { Name = "hs_task_subject" });
        tasks.Define(new() { Name = "hs_task_body" });
        tasks.Define(new()
        {
            Name = "hs_task_status",
            Type = HubSpotPropertyType.Enumeration,
            Options = ["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"],
        });
        tasks.Define(new() { Name = "hs_task_priority", Type = HubSpotPropertyType.Enumeration, Options = ["NONE", "LOW", "MEDIUM", "HIGH"] });
        tasks.Define(new() { Name = "hs_task_type", Type = HubSpotPropertyType.Enumeration });
        tasks.Define(new() { Name = "hs_task_reminders", Type = HubSpotPropertyType.Enumeration });

        var contacts = new HubSpotObjectType
        {
            Name = "contacts",
            Singular = "contact",
            TypeId = "0-1",
            CreateDateProperty = "createdate",
            DefaultProperties = ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"],
            QueryProperties = ["firstname", "lastname", "email", "phone", "company"],
        };
        Common(contacts);
        contacts.Define(new() { Name = "email", HasUniqueValue = true });
        contacts.Define(new() { Name = "firstname" });
        contacts.Define(new() { Name = "lastname" });
        contacts.Define(new() { Name = "phone" });
        contacts.Define(new() { Name = "company" });
        contacts.Define(new() { Name = "jobtitle" }); // "Job Title", a default contact property (single-line text)
        contacts.Define(new() { Name = "lastmodifieddate", Type = HubSpotPropertyType.DateTime, ReadOnly = true });
        contacts.Define(new() { Name = "lifecyclestage", Type = HubSpotPropertyType.Enumeration });

        var companies = new HubSpotObjectType
        {
            Name = "companies",
            Singular = "company",
            TypeId = "0-2",
            CreateDateProperty = "createdate",
            DefaultProperties = ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
            QueryProperties = ["name", "domain", "website", "phone"],
        };
        Common(companies);
        companies.Define(new() { Name = "name" });
        companies.Define(new() { Name = "domain" });
        companies.Define(new() { Name = "website" });
        companies.Define(new() { Name = "phone" });
        companies.Define(new() { Name = "annualrevenue", Type = HubSpotPropertyType.Number });

        return [deals, notes, calls, emails, meetings, tasks, contacts, companies];
    }

    private static HubSpotObjectType Engagement(string name, string singular, string typeId, IReadOnlyList<string> query)
    {
        var type = new HubSpotObjectType
        {
            Name = name,
            Singular = singular,
            TypeId = typeId,
            CreateDateProperty = "hs_createdate",
            DefaultProperties = ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
            QueryProperties = query,
            RequiredOnCreate = ["hs_timestamp"],
        };
        Common(type);
        type.Define(new() { Name = "hs_timestamp", Type = HubSpotPropertyType.DateTime });
        type.Define(new() { Name = "hubspot_owner_id", Type = HubSpotPropertyType.Enumeration });
        return type;
    }

    private static void Common(HubSpotObjectType type)
    {
        type.Define(new() { Name = "hs_object_id", Type = HubSpotPropertyType.Number, ReadOnly = true });
        type.Define(new() { Name = type.CreateDateProperty, Type = HubSpotPropertyType.DateTime, ReadOnly = type.CreateDateProperty != "createdate" });
        type.Define(new() { Name = "hs_lastmodifieddate", Type = HubSpotPropertyType.DateTime, ReadOnly = true });
        type.Define(new() { Name = "hs_object_source", ReadOnly = true });
        type.Define(new() { Name = "hs_object_source_id", ReadOnly = true });
        type.Define(new() { Name = "hs_object_source_label", ReadOnly = true });
        type.Define(new() { Name = "hubspot_owner_id", Type = HubSpotPropertyType.Enumeration });
    }
}
