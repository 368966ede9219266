namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>The data type of a field, as <c>describe</c> names it.</summary>
internal enum SfFieldType
{
    Id,
    Reference,
    String,
    TextArea,
    Picklist,
    MultiPicklist,
    Combobox,
    Email,
    Phone,
    Url,
    Boolean,
    Currency,
    Double,
    Percent,
    Int,
    Date,
    DateTime,
    Base64,
    Address,
}

/// <summary>A field of an sObject.</summary>
internal sealed class SfField
{
    public required string Name { get; init; }

    public required SfFieldType Type { get; init; }

    public required string Label { get; init; }

    public int Length { get; init; }

    public bool Createable { get; init; }

    public bool Updateable { get; init; }

    public bool Nillable { get; init; } = true;

    public bool DefaultedOnCreate { get; init; }

    public object? DefaultValue { get; init; }

    public IReadOnlyList<string> ReferenceTo { get; init; } = [];

    public string? RelationshipName { get; init; }

    /// <summary>Gets a value indicating whether deleting the referenced record deletes this one.</summary>
    public bool CascadeDelete { get; init; }

    public bool ExternalId { get; init; }

    public bool Unique { get; init; }

    public bool NameField { get; init; }

    public bool Custom { get; init; }

    public bool RestrictedPicklist { get; init; }

    public IReadOnlyList<string> PicklistValues { get; init; } = [];

    public int Precision { get; init; }

    public int Scale { get; init; }

    public bool HtmlFormatted { get; init; }

    /// <summary>Gets a read-time formula (compound and calculated fields).</summary>
    public Func<SfRecord, object?>? Compute { get; init; }

    public bool Calculated => Compute is not null;

    public bool IsPolymorphic => ReferenceTo.Count > 1;

    public bool IsIdLike => Type is SfFieldType.Id or SfFieldType.Reference;

    public bool IsText => Type is SfFieldType.String or SfFieldType.TextArea or SfFieldType.Picklist or SfFieldType.MultiPicklist
        or SfFieldType.Combobox or SfFieldType.Email or SfFieldType.Phone or SfFieldType.Url;

    public bool IsNumber => Type is SfFieldType.Currency or SfFieldType.Double or SfFieldType.Percent or SfFieldType.Int;

    /// <summary>Gets a value indicating whether the field must be given on create.</summary>
    public bool RequiredOnCreate => !Nillable && Createable && !DefaultedOnCreate && Type != SfFieldType.Boolean;

    /// <summary>Gets the type name used by <c>describe</c>.</summary>
    public string DescribeType => Type switch
    {
        SfFieldType.MultiPicklist => "multipicklist",
        SfFieldType.TextArea => "textarea",
        SfFieldType.DateTime => "datetime",
        _ => Type.ToString().ToLowerInvariant(),
    };

    /// <summary>Gets the SOAP type used by <c>describe</c>.</summary>
    public string SoapType => Type switch
    {
        SfFieldType.Id or SfFieldType.Reference => "tns:ID",
        SfFieldType.Boolean => "xsd:boolean",
        SfFieldType.Currency or SfFieldType.Double or SfFieldType.Percent => "xsd:double",
        SfFieldType.Int => "xsd:int",
        SfFieldType.Date => "xsd:date",
        SfFieldType.DateTime => "xsd:dateTime",
        SfFieldType.Base64 => "xsd:base64Binary",
        SfFieldType.Address => "urn:address",
        _ => "xsd:string",
    };

    /// <summary>Gets the name of the type in SOQL filter errors.</summary>
    public string SoqlTypeName => Type switch
    {
        SfFieldType.Id => "id",
        SfFieldType.Reference => "reference",
        SfFieldType.Boolean => "boolean",
        SfFieldType.Currency => "currency",
        SfFieldType.Double or SfFieldType.Percent => "double",
        SfFieldType.Int => "int",
        SfFieldType.Date => "date",
        SfFieldType.DateTime => "dateTime",
        SfFieldType.Picklist => "picklist",
        _ => "string",
    };
}

/// <summary>A child relationship (e.g. <c>Opportunity.Tasks</c>).</summary>
internal sealed record SfChildRelationship(string ChildObject, string Field, string RelationshipName, bool CascadeDelete);

/// <summary>An sObject type.</summary>
internal sealed class SfObject
{
    private readonly Dictionary<string, SfField> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SfField> _byRelationship = new(StringComparer.OrdinalIgnoreCase);

    public required string Name { get; init; }

    public required string Label { get; init; }

    public required string LabelPlural { get; init; }

    public required string KeyPrefix { get; init; }

    /// <summary>Gets the type whose records this object shows (ContentDocument shows ContentNote records).</summary>
    public string? StorageOf { get; init; }

    public string StorageName => StorageOf ?? Name;

    public bool Createable { get; init; } = true;

    public bool Updateable { get; init; } = true;

    public bool Deletable { get; init; } = true;

    public bool Queryable { get; init; } = true;

    public bool Retrieveable { get; init; } = true;

    public bool Replicateable { get; init; } = true;

    public bool Searchable { get; init; } = true;

    public bool Undeletable { get; init; } = true;

    public bool Layoutable { get; init; } = true;

    public bool FeedEnabled { get; init; }

    public bool Mergeable { get; init; }

    public List<SfField> Fields { get; } = [];

    public List<SfChildRelationship> ChildRelationships { get; } = [];

    public SfField? NameFieldDef => Fields.FirstOrDefault(f => f.NameField);

    public SfField? Field(string name) => _byName.GetValueOrDefault(name);

    public SfField? Relationship(string name) => _byRelationship.GetValueOrDefault(name);

    public void Add(SfField field)
    {
        Fields.Add(field);
        _byName[field.Name] = field;
        if (field.RelationshipName is { } rel)
        {
            _byRelationship[rel] = field;
        }
    }
}

/// <summary>The org's schema: the supported objects and their fields.</summary>
internal sealed class SfSchema
{
    public static readonly string[] StageForecastCategories = ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"];

    private readonly Dictionary<string, SfObject> _objects = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SfObject> _byPrefix = new(StringComparer.Ordinal);

    public SfSchema()
    {
        Build();
        LinkChildren();
    }

    public IEnumerable<SfObject> Objects => _objects.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    public SfObject? Find(string? name) => name is null ? null : _objects.GetValueOrDefault(name);

    /// <summary>Returns the storage object of an id's key prefix (069 is ContentNote).</summary>
    public SfObject? ByPrefix(string id) => id.Length >= 3 ? _byPrefix.GetValueOrDefault(id[..3]) : null;

    /// <summary>
    /// Turns on multiple currencies: Opportunity gets the standard <c>CurrencyIsoCode</c> field, a restricted picklist of
    /// the org's active ISO codes (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm:
    /// "CurrencyIsoCode … Available only for organizations with the multicurrency feature enabled").
    /// </summary>
    public void EnableMultipleCurrencies(IReadOnlyList<string> currencies)
        => Find("Opportunity")!.Add(new SfField
        {
            Name = "CurrencyIsoCode",
            Type = SfFieldType.Picklist,
            Label = "Opportunity Currency",
            Length = 3,
            Createable = true,
            Updateable = true,
            RestrictedPicklist = true,
            PicklistValues = currencies,
        });

    /// <summary>Adds a custom field to an object.</summary>
    public SfField AddCustomField(string objectName, string fieldName, string type, bool externalId, bool unique, int? length)
        => AddCustomField(new SalesforceCustomField(fieldName, type) { ObjectName = objectName, ExternalId = externalId, Unique = unique, Length = length });

    /// <summary>Adds a custom field to an object.</summary>
    public SfField AddCustomField(SalesforceCustomField spec)
    {
        var (objectName, fieldName, type, externalId, unique, length) = (spec.ObjectName, spec.Name, spec.Type, spec.ExternalId, spec.Unique, spec.Length);
        var obj = Find(objectName) ?? throw new ArgumentException($"sObject type '{objectName}' is not supported.", nameof(objectName));
        if (!fieldName.EndsWith("__c", StringComparison.Ordinal))
        {
            throw new ArgumentException("Custom field names end with '__c'.", nameof(fieldName));
        }

        if (obj.Field(fieldName) is not null)
        {
            throw new ArgumentException($"Field '{fieldName}' already exists on {obj.Name}.", nameof(fieldName));
        }

        var fieldType = type.ToLowerInvariant() switch
        {
            "string" or "text" => SfFieldType.String,
            "textarea" => SfFieldType.TextArea,
            "email" => SfFieldType.Email,
            "phone" => SfFieldType.Phone,
            "url" => SfFieldType.Url,
            "picklist" => SfFieldType.Picklist,
            "multipicklist" => SfFieldType.MultiPicklist,
            "boolean" or "checkbox" => SfFieldType.Boolean,
            "double" or "number" => SfFieldType.Double,
            "currency" => SfFieldType.Currency,
            "percent" => SfFieldType.Percent,
            "int" => SfFieldType.Int,
            "date" => SfFieldType.Date,
            "datetime" => SfFieldType.DateTime,
            _ => throw new ArgumentException($"Unsupported custom field type '{type}'.", nameof(type)),
        };
        if (externalId && fieldType is not (SfFieldType.String or SfFieldType.Email or SfFieldType.Double or SfFieldType.Int))
        {
            throw new ArgumentException("External ids must be text, email or number fields.", nameof(externalId));
        }

        var label = fieldName[..^3].Replace('_', ' ');
        var field = new SfField
        {
            Name = fieldName,
            Type = fieldType,
            Label = label,
            Length = fieldType switch
            {
                SfFieldType.TextArea => length ?? 32768,
                SfFieldType.String or SfFieldType.Email or SfFieldType.Phone or SfFieldType.Url or SfFieldType.Picklist => length ?? 255,
                SfFieldType.MultiPicklist => length ?? 4099,
                _ => 0,
            },
            Createable = spec.Updateable,
            Updateable = spec.Updateable,
            PicklistValues = fieldType is SfFieldType.Picklist or SfFieldType.MultiPicklist ? spec.PicklistValues : [],
            RestrictedPicklist = fieldType is SfFieldType.Picklist or SfFieldType.MultiPicklist && spec.RestrictedPicklist,
            Nillable = fieldType != SfFieldType.Boolean,
            DefaultedOnCreate = fieldType == SfFieldType.Boolean,
            DefaultValue = fieldType == SfFieldType.Boolean ? false : null,
            ExternalId = externalId,
            Unique = unique,
            Custom = true,
            Precision = fieldType is SfFieldType.Double or SfFieldType.Currency or SfFieldType.Percent ? spec.Precision ?? 18 : fieldType == SfFieldType.Int ? spec.Precision ?? 9 : 0,
            Scale = fieldType is SfFieldType.Double or SfFieldType.Currency or SfFieldType.Percent ? spec.Scale ?? (fieldType == SfFieldType.Currency ? 2 : 0) : 0,
        };
        obj.Add(field);
        return field;
    }

    private static string Join(SfRecord r, params string[] names)
        => string.Join(' ', names.Select(n => r.Get(n) as string).Where(s => !string.IsNullOrEmpty(s)));

    private static Func<SfRecord, object?> AddressOf(string prefix, string streetName = "Street")
        => r =>
        {
            string?[] parts = [r.Get(prefix + streetName) as string, r.Get(prefix + "City") as string, r.Get(prefix + "State") as string, r.Get(prefix + "PostalCode") as string, r.Get(prefix + "Country") as string];
            if (parts.All(p => p is null))
            {
                return null;
            }

            return new SfAddress(parts[0], parts[1], parts[2], parts[3], parts[4]);
        };

    private void Register(SfObject obj)
    {
        _objects[obj.Name] = obj;
        if (obj.StorageOf is null)
        {
            _byPrefix[obj.KeyPrefix] = obj;
        }
    }

    private void LinkChildren()
    {
        foreach (var child in _objects.Values.Where(o => o.StorageOf is null))
        {
            foreach (var field in child.Fields.Where(f => f.Type == SfFieldType.Reference && f.Name is not ("CreatedById" or "LastModifiedById" or "OwnerId")))
            {
                foreach (var target in field.ReferenceTo)
                {
                    var parent = Find(target);
                    if (parent is null)
                    {
                        continue;
                    }

                    var relName = ChildRelationshipName(child.Name, field.Name);
                    if (relName is not null)
                    {
                        parent.ChildRelationships.Add(new SfChildRelationship(child.Name, field.Name, relName, field.CascadeDelete));
                    }
                }
            }
        }
    }

    private static string? ChildRelationshipName(string child, string field) => (child, field) switch
    {
        ("Task", "WhatId" or "WhoId") => "Tasks",
        ("Event", "WhatId" or "WhoId") => "Events",
        ("Note", "ParentId") => "Notes",
        ("ContentDocumentLink", "LinkedEntityId") => "ContentDocumentLinks",
        ("ContentDocumentLink", "ContentDocumentId") => "ContentDocumentLinks",
        ("Opportunity", "AccountId") => "Opportunities",
        ("Contact", "AccountId") => "Contacts",
        ("OpportunityContactRole", "OpportunityId") => "OpportunityContactRoles",
        ("OpportunityContactRole", "ContactId") => "OpportunityContactRoles",
        ("Account", "ParentId") => "ChildAccounts",
        _ => null,
    };

#pragma warning disable CA1502 // A catalog of fields is long by nature.
    private void Build()
#pragma warning restore CA1502
    {
        // Opportunity [OPP]
        var opp = new SfObject { Name = "Opportunity", Label = "Opportunity", LabelPlural = "Opportunities", KeyPrefix = "006", FeedEnabled = true };
        B.Id(opp);
        B.IsDeleted(opp);
        opp.Add(B.Ref("AccountId", "Account ID", ["Account"], "Account", cascade: true));
        opp.Add(B.Bool("IsPrivate", "Private", updateable: true));
        opp.Add(B.Text("Name", "Name", 120, required: true, nameField: true));
        opp.Add(B.Text("Description", "Description", 32000, SfFieldType.TextArea));
        opp.Add(B.Pick("StageName", "Stage", [], required: true, restricted: true));
        opp.Add(B.Num("Amount", "Amount", SfFieldType.Currency, 18, 2));
        opp.Add(B.Num("Probability", "Probability (%)", SfFieldType.Percent, 3, 0, defaulted: true));
        opp.Add(new SfField
        {
            Name = "ExpectedRevenue",
            Label = "Expected Amount",
            Type = SfFieldType.Currency,
            Precision = 18,
            Scale = 2,
            Compute = r => r.Get("Amount") is decimal a && r.Get("Probability") is decimal p ? decimal.Round(a * p / 100m, 2) : null,
        });
        opp.Add(B.Num("TotalOpportunityQuantity", "Quantity", SfFieldType.Double, 18, 2));
        opp.Add(new SfField { Name = "CloseDate", Label = "Close Date", Type = SfFieldType.Date, Createable = true, Updateable = true, Nillable = false });
        opp.Add(B.Pick("Type", "Opportunity Type", ["Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade", "New Customer"]));
        opp.Add(B.Text("NextStep", "Next Step", 255));
        opp.Add(B.Pick("LeadSource", "Lead Source", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]));
        opp.Add(B.Bool("IsClosed", "Closed", updateable: false));
        opp.Add(B.Bool("IsWon", "Won", updateable: false));
        opp.Add(new SfField { Name = "ForecastCategory", Label = "Forecast Category", Type = SfFieldType.Picklist, Length = 40, Nillable = false, DefaultedOnCreate = true, PicklistValues = ["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"] });
        opp.Add(new SfField { Name = "ForecastCategoryName", Label = "Forecast Category", Type = SfFieldType.Picklist, Length = 255, Createable = true, Updateable = true, DefaultedOnCreate = true, PicklistValues = StageForecastCategories });
        opp.Add(B.Bool("HasOpportunityLineItem", "Has Line Item", updateable: false));
        B.Owner(opp);
        B.Audit(opp);
        opp.Add(new SfField { Name = "LastStageChangeDate", Label = "Last Stage Change Date", Type = SfFieldType.DateTime });
        opp.Add(new SfField { Name = "FiscalQuarter", Label = "Fiscal Quarter", Type = SfFieldType.Int, Precision = 11 });
        opp.Add(new SfField { Name = "FiscalYear", Label = "Fiscal Year", Type = SfFieldType.Int, Precision = 11 });
        opp.Add(new SfField { Name = "Fiscal", Label = "Fiscal Period", Type = SfFieldType.String, Length = 6 });
        Register(opp);

        // OpportunityStage [STAGE]: query only.
        var stage = new SfObject
        {
            Name = "OpportunityStage",
            Label = "Opportunity Stage",
            LabelPlural = "Opportunity Stages",
            KeyPrefix = "01J",
            Createable = false,
            Updateable = false,
            Deletable = false,
            Replicateable = false,
            Searchable = false,
            Undeletable = false,
            Layoutable = false,
        };
        B.Id(stage);
        stage.Add(new SfField { Name = "MasterLabel", Label = "Master Label", Type = SfFieldType.String, Length = 255, Nillable = false, NameField = true });
        stage.Add(new SfField { Name = "ApiName", Label = "Api Name", Type = SfFieldType.String, Length = 255, Nillable = false });
        stage.Add(new SfField { Name = "IsActive", Label = "Active", Type = SfFieldType.Boolean, Nillable = false });
        stage.Add(new SfField { Name = "SortOrder", Label = "Sort Order", Type = SfFieldType.Int, Precision = 9 });
        stage.Add(new SfField { Name = "IsClosed", Label = "Closed", Type = SfFieldType.Boolean, Nillable = false });
        stage.Add(new SfField { Name = "IsWon", Label = "Won", Type = SfFieldType.Boolean, Nillable = false });
        stage.Add(new SfField { Name = "ForecastCategory", Label = "Forecast Type", Type = SfFieldType.Picklist, Length = 40, Nillable = false, PicklistValues = ["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"] });
        stage.Add(new SfField { Name = "ForecastCategoryName", Label = "Forecast Category", Type = SfFieldType.Picklist, Length = 255, PicklistValues = StageForecastCategories });
        stage.Add(new SfField { Name = "DefaultProbability", Label = "Probability (%)", Type = SfFieldType.Percent, Precision = 3 });
        stage.Add(new SfField { Name = "Description", Label = "Description", Type = SfFieldType.String, Length = 255 });
        B.Audit(stage);
        Register(stage);

        // Account
        var account = new SfObject { Name = "Account", Label = "Account", LabelPlural = "Accounts", KeyPrefix = "001", FeedEnabled = true, Mergeable = true };
        B.Id(account);
        B.IsDeleted(account);
        account.Add(B.Text("Name", "Account Name", 255, required: true, nameField: true));
        account.Add(B.Pick("Type", "Account Type", ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other"]));
        account.Add(B.Ref("ParentId", "Parent Account ID", ["Account"], "Parent"));
        B.Address(account, "Billing");
        B.Address(account, "Shipping");
        account.Add(B.Text("Phone", "Account Phone", 40, SfFieldType.Phone));
        account.Add(B.Text("Fax", "Account Fax", 40, SfFieldType.Phone));
        account.Add(B.Text("AccountNumber", "Account Number", 40));
        account.Add(B.Text("Website", "Website", 255, SfFieldType.Url));
        account.Add(B.Pick("Industry", "Industry", ["Agriculture", "Banking", "Consulting", "Education", "Finance", "Healthcare", "Manufacturing", "Media", "Retail", "Technology", "Other"]));
        account.Add(B.Num("AnnualRevenue", "Annual Revenue", SfFieldType.Currency, 18, 0));
        account.Add(B.Num("NumberOfEmployees", "Employees", SfFieldType.Int, 8, 0));
        account.Add(B.Text("Description", "Account Description", 32000, SfFieldType.TextArea));
        account.Add(B.Pick("AccountSource", "Account Source", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]));
        B.Owner(account);
        B.Audit(account);
        Register(account);

        // Contact
        var contact = new SfObject { Name = "Contact", Label = "Contact", LabelPlural = "Contacts", KeyPrefix = "003", FeedEnabled = true, Mergeable = true };
        B.Id(contact);
        B.IsDeleted(contact);
        contact.Add(B.Ref("AccountId", "Account ID", ["Account"], "Account", cascade: true));
        contact.Add(B.Text("LastName", "Last Name", 80, required: true));
        contact.Add(B.Text("FirstName", "First Name", 40));
        contact.Add(B.Pick("Salutation", "Salutation", ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]));
        contact.Add(new SfField { Name = "Name", Label = "Full Name", Type = SfFieldType.String, Length = 121, NameField = true, Nillable = false, Compute = r => Join(r, "FirstName", "LastName") });
        B.Address(contact, "Mailing");
        contact.Add(B.Text("Phone", "Business Phone", 40, SfFieldType.Phone));
        contact.Add(B.Text("MobilePhone", "Mobile Phone", 40, SfFieldType.Phone));
        contact.Add(B.Text("Email", "Email", 80, SfFieldType.Email));
        contact.Add(B.Text("Title", "Title", 128));
        contact.Add(B.Text("Department", "Department", 80));
        contact.Add(B.Pick("LeadSource", "Lead Source", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]));
        contact.Add(B.Text("Description", "Contact Description", 32000, SfFieldType.TextArea));
        B.Owner(contact);
        B.Audit(contact);
        Register(contact);

        // OpportunityContactRole [OCR]: the role a Contact plays on an Opportunity; OpportunityId is set on create only.
        // https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitycontactrole.html
        var contactRole = new SfObject { Name = "OpportunityContactRole", Label = "Opportunity Contact Role", LabelPlural = "Opportunity Contact Role", KeyPrefix = "00K" };
        B.Id(contactRole);
        B.IsDeleted(contactRole);
        contactRole.Add(new SfField { Name = "OpportunityId", Label = "Opportunity ID", Type = SfFieldType.Reference, ReferenceTo = ["Opportunity"], RelationshipName = "Opportunity", Createable = true, Nillable = false, CascadeDelete = true, Length = 18 });
        contactRole.Add(new SfField { Name = "ContactId", Label = "Contact ID", Type = SfFieldType.Reference, ReferenceTo = ["Contact"], RelationshipName = "Contact", Createable = true, Updateable = true, Nillable = false, CascadeDelete = true, Length = 18 });
        contactRole.Add(B.Pick("Role", "Role", ["Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker", "Evaluator", "Executive Sponsor", "Influencer", "Technical Buyer", "Other"]));
        contactRole.Add(B.Bool("IsPrimary", "Primary", updateable: true));
        B.Audit(contactRole);
        Register(contactRole);

        // Lead
        var lead = new SfObject { Name = "Lead", Label = "Lead", LabelPlural = "Leads", KeyPrefix = "00Q", FeedEnabled = true, Mergeable = true };
        B.Id(lead);
        B.IsDeleted(lead);
        lead.Add(B.Text("LastName", "Last Name", 80, required: true));
        lead.Add(B.Text("FirstName", "First Name", 40));
        lead.Add(new SfField { Name = "Name", Label = "Full Name", Type = SfFieldType.String, Length = 121, NameField = true, Nillable = false, Compute = r => Join(r, "FirstName", "LastName") });
        lead.Add(B.Text("Title", "Title", 128));
        lead.Add(B.Text("Company", "Company", 255, required: true));
        B.Address(lead, string.Empty);
        lead.Add(B.Text("Phone", "Phone", 40, SfFieldType.Phone));
        lead.Add(B.Text("MobilePhone", "Mobile Phone", 40, SfFieldType.Phone));
        lead.Add(B.Text("Email", "Email", 80, SfFieldType.Email));
        lead.Add(B.Text("Website", "Website", 255, SfFieldType.Url));
        lead.Add(B.Text("Description", "Description", 32000, SfFieldType.TextArea));
        lead.Add(B.Pick("LeadSource", "Lead Source", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]));
        lead.Add(new SfField { Name = "Status", Label = "Status", Type = SfFieldType.Picklist, Length = 255, Createable = true, Updateable = true, Nillable = false, DefaultedOnCreate = true, DefaultValue = "Open - Not Contacted", PicklistValues = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"] });
        lead.Add(B.Pick("Industry", "Industry", ["Agriculture", "Banking", "Consulting", "Education", "Finance", "Healthcare", "Manufacturing", "Media", "Retail", "Technology", "Other"]));
        lead.Add(B.Pick("Rating", "Rating", ["Hot", "Warm", "Cold"]));
        lead.Add(B.Num("AnnualRevenue", "Annual Revenue", SfFieldType.Currency, 18, 0));
        lead.Add(B.Num("NumberOfEmployees", "Employees", SfFieldType.Int, 8, 0));
        lead.Add(B.Bool("IsConverted", "Converted", updateable: false));
        B.Owner(lead);
        B.Audit(lead);
        Register(lead);

        // User (read-only through the API here)
        var user = new SfObject
        {
            Name = "User",
            Label = "User",
            LabelPlural = "Users",
            KeyPrefix = "005",
            FeedEnabled = true,
            Createable = false,
            Updateable = false,
            Deletable = false,
            Undeletable = false,
        };
        B.Id(user);
        user.Add(new SfField { Name = "Username", Label = "Username", Type = SfFieldType.String, Length = 80, Nillable = false, Unique = true });
        user.Add(new SfField { Name = "LastName", Label = "Last Name", Type = SfFieldType.String, Length = 80, Nillable = false });
        user.Add(new SfField { Name = "FirstName", Label = "First Name", Type = SfFieldType.String, Length = 40 });
        user.Add(new SfField { Name = "Name", Label = "Full Name", Type = SfFieldType.String, Length = 121, NameField = true, Nillable = false, Compute = r => Join(r, "FirstName", "LastName") });
        user.Add(new SfField { Name = "CompanyName", Label = "Company Name", Type = SfFieldType.String, Length = 80 });
        user.Add(new SfField { Name = "Title", Label = "Title", Type = SfFieldType.String, Length = 80 });
        user.Add(new SfField { Name = "Department", Label = "Department", Type = SfFieldType.String, Length = 80 });
        user.Add(new SfField { Name = "City", Label = "City", Type = SfFieldType.String, Length = 40 });
        user.Add(new SfField { Name = "State", Label = "State/Province", Type = SfFieldType.String, Length = 80 });
        user.Add(new SfField { Name = "Email", Label = "Email", Type = SfFieldType.Email, Length = 128, Nillable = false });
        user.Add(new SfField { Name = "Alias", Label = "Alias", Type = SfFieldType.String, Length = 8, Nillable = false });
        user.Add(new SfField { Name = "IsActive", Label = "Active", Type = SfFieldType.Boolean, Nillable = false });
        user.Add(new SfField { Name = "TimeZoneSidKey", Label = "Time Zone", Type = SfFieldType.Picklist, Length = 40, Nillable = false });
        user.Add(new SfField { Name = "LocaleSidKey", Label = "Locale", Type = SfFieldType.Picklist, Length = 40, Nillable = false });
        user.Add(new SfField { Name = "LanguageLocaleKey", Label = "Language", Type = SfFieldType.Picklist, Length = 40, Nillable = false });
        user.Add(new SfField { Name = "UserType", Label = "User Type", Type = SfFieldType.Picklist, Length = 40 });
        B.Audit(user);
        Register(user);

        // Organization (read-only)
        var org = new SfObject
        {
            Name = "Organization",
            Label = "Organization",
            LabelPlural = "Organizations",
            KeyPrefix = "00D",
            Createable = false,
            Updateable = false,
            Deletable = false,
            Replicateable = false,
            Undeletable = false,
            Searchable = false,
        };
        B.Id(org);
        org.Add(new SfField { Name = "Name", Label = "Name", Type = SfFieldType.String, Length = 80, Nillable = false, NameField = true });
        org.Add(new SfField { Name = "Division", Label = "Division", Type = SfFieldType.String, Length = 80 });
        org.Add(new SfField { Name = "OrganizationType", Label = "Edition", Type = SfFieldType.Picklist, Length = 40 });
        org.Add(new SfField { Name = "InstanceName", Label = "Instance Name", Type = SfFieldType.String, Length = 5 });
        org.Add(new SfField { Name = "IsSandbox", Label = "Is Sandbox", Type = SfFieldType.Boolean, Nillable = false });
        org.Add(new SfField { Name = "NamespacePrefix", Label = "Namespace Prefix", Type = SfFieldType.String, Length = 15 });
        org.Add(new SfField { Name = "TimeZoneSidKey", Label = "Default Time Zone", Type = SfFieldType.Picklist, Length = 40, Nillable = false });
        org.Add(new SfField { Name = "LanguageLocaleKey", Label = "Language", Type = SfFieldType.Picklist, Length = 40, Nillable = false });
        org.Add(new SfField { Name = "DefaultLocaleSidKey", Label = "Default Locale", Type = SfFieldType.Picklist, Length = 40, Nillable = false });
        B.Audit(org);
        Register(org);

        // Task [TASK]
        var task = new SfObject { Name = "Task", Label = "Task", LabelPlural = "Tasks", KeyPrefix = "00T" };
        B.Id(task);
        task.Add(B.Ref("WhoId", "Name ID", ["Contact", "Lead"], "Who", cascade: true));
        task.Add(B.Ref("WhatId", "Related To ID", ["Opportunity", "Account"], "What", cascade: true));
        task.Add(new SfField { Name = "Subject", Label = "Subject", Type = SfFieldType.Combobox, Length = 255, Createable = true, Updateable = true, PicklistValues = ["Call", "Send Letter", "Send Quote", "Other"] });
        task.Add(new SfField { Name = "ActivityDate", Label = "Due Date Only", Type = SfFieldType.Date, Createable = true, Updateable = true });
        task.Add(new SfField { Name = "Status", Label = "Status", Type = SfFieldType.Picklist, Length = 40, Createable = true, Updateable = true, Nillable = false, DefaultedOnCreate = true, DefaultValue = "Not Started", PicklistValues = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"] });
        task.Add(new SfField { Name = "Priority", Label = "Priority", Type = SfFieldType.Picklist, Length = 40, Createable = true, Updateable = true, Nillable = false, DefaultedOnCreate = true, DefaultValue = "Normal", PicklistValues = ["High", "Normal", "Low"] });
        task.Add(B.Bool("IsHighPriority", "High Priority", updateable: false));
        B.Owner(task);
        task.Add(B.Text("Description", "Description", 32000, SfFieldType.TextArea));
        B.IsDeleted(task);
        task.Add(new SfField { Name = "AccountId", Label = "Account ID", Type = SfFieldType.Reference, ReferenceTo = ["Account"], RelationshipName = "Account" });
        task.Add(B.Bool("IsClosed", "Closed", updateable: false));
        B.Audit(task);
        task.Add(B.Bool("IsArchived", "Archived", updateable: false));
        task.Add(B.Num("CallDurationInSeconds", "Call Duration", SfFieldType.Int, 8, 0));
        task.Add(B.Pick("CallType", "Call Type", ["Internal", "Inbound", "Outbound"]));
        task.Add(B.Text("CallDisposition", "Call Result", 255));
        task.Add(B.Text("CallObject", "Call Object Identifier", 255));
        task.Add(new SfField { Name = "ReminderDateTime", Label = "Reminder Date/Time", Type = SfFieldType.DateTime, Createable = true, Updateable = true });
        task.Add(B.Bool("IsReminderSet", "Reminder Set", updateable: true));
        task.Add(new SfField { Name = "TaskSubtype", Label = "Task Subtype", Type = SfFieldType.Picklist, Length = 40, Createable = true, Updateable = false, DefaultedOnCreate = true, DefaultValue = "Task", PicklistValues = ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"] });
        task.Add(new SfField { Name = "CompletedDateTime", Label = "Completed Date/Time", Type = SfFieldType.DateTime });
        task.Add(B.Pick("Type", "Type", ["Call", "Email", "Meeting", "Other"]));
        Register(task);

        // Event [EVENT]
        var ev = new SfObject { Name = "Event", Label = "Event", LabelPlural = "Events", KeyPrefix = "00U" };
        B.Id(ev);
        ev.Add(B.Ref("WhoId", "Name ID", ["Contact", "Lead"], "Who", cascade: true));
        ev.Add(B.Ref("WhatId", "Related To ID", ["Opportunity", "Account"], "What", cascade: true));
        ev.Add(new SfField { Name = "Subject", Label = "Subject", Type = SfFieldType.Combobox, Length = 255, Createable = true, Updateable = true, PicklistValues = ["Call", "Email", "Meeting", "Send Letter/Quote", "Other"] });
        ev.Add(B.Text("Location", "Location", 255));
        ev.Add(B.Bool("IsAllDayEvent", "All-Day Event", updateable: true));
        ev.Add(new SfField { Name = "ActivityDateTime", Label = "Due Date Time", Type = SfFieldType.DateTime, Createable = true, Updateable = true });
        ev.Add(new SfField { Name = "ActivityDate", Label = "Due Date Only", Type = SfFieldType.Date, Createable = true, Updateable = true });
        ev.Add(B.Num("DurationInMinutes", "Duration", SfFieldType.Int, 8, 0));
        ev.Add(new SfField { Name = "StartDateTime", Label = "Start Date Time", Type = SfFieldType.DateTime, Createable = true, Updateable = true });
        ev.Add(new SfField { Name = "EndDateTime", Label = "End Date Time", Type = SfFieldType.DateTime, Createable = true, Updateable = true });
        ev.Add(B.Text("Description", "Description", 32000, SfFieldType.TextArea));
        ev.Add(new SfField { Name = "AccountId", Label = "Account ID", Type = SfFieldType.Reference, ReferenceTo = ["Account"], RelationshipName = "Account" });
        B.Owner(ev);
        ev.Add(B.Pick("Type", "Type", ["Call", "Email", "Meeting", "Other"]));
        ev.Add(B.Bool("IsPrivate", "Private", updateable: true));
        ev.Add(new SfField { Name = "ShowAs", Label = "Show Time As", Type = SfFieldType.Picklist, Length = 40, Createable = true, Updateable = true, DefaultedOnCreate = true, DefaultValue = "Busy", PicklistValues = ["Busy", "OutOfOffice", "Free"] });
        B.IsDeleted(ev);
        ev.Add(B.Bool("IsChild", "Is Child", updateable: false));
        ev.Add(B.Bool("IsGroupEvent", "Group Event", updateable: false));
        B.Audit(ev);
        ev.Add(B.Bool("IsArchived", "Archived", updateable: false));
        ev.Add(new SfField { Name = "ReminderDateTime", Label = "Reminder Date/Time", Type = SfFieldType.DateTime, Createable = true, Updateable = true });
        ev.Add(B.Bool("IsReminderSet", "Reminder Set", updateable: true));
        ev.Add(new SfField { Name = "EventSubtype", Label = "Event Subtype", Type = SfFieldType.Picklist, Length = 40, Createable = true, Updateable = false, DefaultedOnCreate = true, DefaultValue = "Event", PicklistValues = ["Event"] });
        Register(ev);

        // Note [NOTE]
        var note = new SfObject { Name = "Note", Label = "Note", LabelPlural = "Notes", KeyPrefix = "002", Searchable = false };
        B.Id(note);
        B.IsDeleted(note);
        note.Add(new SfField { Name = "ParentId", Label = "Parent ID", Type = SfFieldType.Reference, ReferenceTo = ["Opportunity", "Account", "Contact", "Lead"], RelationshipName = "Parent", Createable = true, Nillable = false, CascadeDelete = true });
        note.Add(B.Text("Title", "Title", 80, required: true, nameField: true));
        note.Add(B.Bool("IsPrivate", "Private", updateable: true));
        note.Add(B.Text("Body", "Body", 32000, SfFieldType.TextArea));
        B.Owner(note);
        B.Audit(note);
        Register(note);

        // ContentNote [CNOTE]: no getUpdated/getDeleted.
        var cnote = new SfObject { Name = "ContentNote", Label = "Note", LabelPlural = "Notes", KeyPrefix = "069", Replicateable = false, Undeletable = false };
        B.Id(cnote);
        B.IsDeleted(cnote);
        cnote.Add(new SfField { Name = "Title", Label = "Title", Type = SfFieldType.String, Length = 255, Createable = true, Updateable = true, Nillable = false, NameField = true });
        cnote.Add(new SfField { Name = "Content", Label = "Content", Type = SfFieldType.Base64, Createable = true, Updateable = true });
        cnote.Add(new SfField { Name = "TextPreview", Label = "Text Preview", Type = SfFieldType.String, Length = 255 });
        cnote.Add(new SfField { Name = "FileType", Label = "File Type", Type = SfFieldType.String, Length = 20, Nillable = false });
        cnote.Add(new SfField { Name = "FileExtension", Label = "File Extension", Type = SfFieldType.String, Length = 40 });
        cnote.Add(new SfField { Name = "ContentSize", Label = "Size", Type = SfFieldType.Int, Precision = 9 });
        cnote.Add(new SfField { Name = "LatestPublishedVersionId", Label = "Latest Published Version ID", Type = SfFieldType.Reference, ReferenceTo = ["ContentVersion"] });
        cnote.Add(new SfField { Name = "LatestContentId", Label = "Latest Content ID", Type = SfFieldType.Reference, ReferenceTo = ["ContentVersion"] });
        cnote.Add(new SfField { Name = "SharingPrivacy", Label = "Sharing Privacy", Type = SfFieldType.Picklist, Length = 40, PicklistValues = ["N", "P"] });
        cnote.Add(B.Bool("IsReadOnly", "Is Read Only", updateable: false));
        cnote.Add(new SfField { Name = "ContentModifiedDate", Label = "Content Modified Date", Type = SfFieldType.DateTime });
        cnote.Add(new SfField { Name = "OwnerId", Label = "Owner ID", Type = SfFieldType.Reference, ReferenceTo = ["User"], RelationshipName = "Owner", Createable = true, Nillable = false, DefaultedOnCreate = true });
        B.Audit(cnote);
        Register(cnote);

        // ContentDocument: the document behind a ContentNote (same id).
        var cdoc = new SfObject { Name = "ContentDocument", Label = "Content Document", LabelPlural = "Content Documents", KeyPrefix = "069", StorageOf = "ContentNote", Createable = false, Replicateable = false };
        B.Id(cdoc);
        B.IsDeleted(cdoc);
        cdoc.Add(new SfField { Name = "Title", Label = "Title", Type = SfFieldType.String, Length = 255, Updateable = true, Nillable = false, NameField = true });
        cdoc.Add(new SfField { Name = "FileType", Label = "File Type", Type = SfFieldType.String, Length = 20 });
        cdoc.Add(new SfField { Name = "FileExtension", Label = "File Extension", Type = SfFieldType.String, Length = 40 });
        cdoc.Add(new SfField { Name = "ContentSize", Label = "Size", Type = SfFieldType.Int, Precision = 9 });
        cdoc.Add(new SfField { Name = "PublishStatus", Label = "Publish Status", Type = SfFieldType.Picklist, Length = 40, PicklistValues = ["U", "P", "R"], Compute = _ => "P" });
        cdoc.Add(new SfField { Name = "LatestPublishedVersionId", Label = "Latest Published Version ID", Type = SfFieldType.Reference, ReferenceTo = ["ContentVersion"] });
        cdoc.Add(new SfField { Name = "SharingPrivacy", Label = "Sharing Privacy", Type = SfFieldType.Picklist, Length = 40, PicklistValues = ["N", "P"] });
        cdoc.Add(new SfField { Name = "ContentModifiedDate", Label = "Content Modified Date", Type = SfFieldType.DateTime });
        cdoc.Add(new SfField { Name = "OwnerId", Label = "Owner ID", Type = SfFieldType.Reference, ReferenceTo = ["User"], RelationshipName = "Owner", Nillable = false });
        cdoc.Add(B.Bool("IsArchived", "Is Archived", updateable: false));
        B.Audit(cdoc);
        Register(cdoc);

        // ContentDocumentLink [CDL]: only SystemModstamp among the audit fields.
        var cdl = new SfObject { Name = "ContentDocumentLink", Label = "Content Document Link", LabelPlural = "Content Document Link", KeyPrefix = "06A", Replicateable = false, Undeletable = false, Searchable = false };
        B.Id(cdl);
        cdl.Add(new SfField { Name = "LinkedEntityId", Label = "Linked Entity ID", Type = SfFieldType.Reference, ReferenceTo = ["Opportunity", "Account", "Contact", "Lead", "User"], RelationshipName = "LinkedEntity", Createable = true, Nillable = false, CascadeDelete = true });
        cdl.Add(new SfField { Name = "ContentDocumentId", Label = "ContentDocument ID", Type = SfFieldType.Reference, ReferenceTo = ["ContentDocument"], RelationshipName = "ContentDocument", Createable = true, Nillable = false, CascadeDelete = true });
        B.IsDeleted(cdl);
        cdl.Add(new SfField { Name = "SystemModstamp", Label = "System Modstamp", Type = SfFieldType.DateTime, Nillable = false });
        cdl.Add(new SfField { Name = "ShareType", Label = "Share Type", Type = SfFieldType.Picklist, Length = 40, Createable = true, Updateable = true, Nillable = false, DefaultedOnCreate = true, DefaultValue = "V", PicklistValues = ["V", "C", "I"], RestrictedPicklist = true });
        cdl.Add(new SfField { Name = "Visibility", Label = "Visibility", Type = SfFieldType.Picklist, Length = 40, Createable = true, Updateable = true, DefaultedOnCreate = true, DefaultValue = "AllUsers", PicklistValues = ["AllUsers", "InternalUsers", "SharedUsers"], RestrictedPicklist = true });
        Register(cdl);
    }

    /// <summary>Field builders.</summary>
    private static class B
    {
        public static void Id(SfObject o)
            => o.Add(new SfField { Name = "Id", Label = o.Label + " ID", Type = SfFieldType.Id, Length = 18, Nillable = false, DefaultedOnCreate = true });

        public static void IsDeleted(SfObject o)
            => o.Add(new SfField { Name = "IsDeleted", Label = "Deleted", Type = SfFieldType.Boolean, Nillable = false, DefaultedOnCreate = true, DefaultValue = false });

        public static void Owner(SfObject o)
            => o.Add(new SfField { Name = "OwnerId", Label = "Owner ID", Type = SfFieldType.Reference, ReferenceTo = ["User"], RelationshipName = "Owner", Createable = true, Updateable = true, Nillable = false, DefaultedOnCreate = true });

        public static void Audit(SfObject o)
        {
            o.Add(new SfField { Name = "CreatedDate", Label = "Created Date", Type = SfFieldType.DateTime, Nillable = false, DefaultedOnCreate = true });
            o.Add(new SfField { Name = "CreatedById", Label = "Created By ID", Type = SfFieldType.Reference, ReferenceTo = ["User"], RelationshipName = "CreatedBy", Nillable = false, DefaultedOnCreate = true });
            o.Add(new SfField { Name = "LastModifiedDate", Label = "Last Modified Date", Type = SfFieldType.DateTime, Nillable = false, DefaultedOnCreate = true });
            o.Add(new SfField { Name = "LastModifiedById", Label = "Last Modified By ID", Type = SfFieldType.Reference, ReferenceTo = ["User"], RelationshipName = "LastModifiedBy", Nillable = false, DefaultedOnCreate = true });
            o.Add(new SfField { Name = "SystemModstamp", Label = "System Modstamp", Type = SfFieldType.DateTime, Nillable = false, DefaultedOnCreate = true });
        }

        public static void Address(SfObject o, string prefix)
        {
            var street = prefix + "Street";
            o.Add(Text(street, (prefix.Length > 0 ? prefix + " " : string.Empty) + "Street", 255, SfFieldType.TextArea));
            o.Add(Text(prefix + "City", (prefix.Length > 0 ? prefix + " " : string.Empty) + "City", 40));
            o.Add(Text(prefix + "State", (prefix.Length > 0 ? prefix + " " : string.Empty) + "State/Province", 80));
            o.Add(Text(prefix + "PostalCode", (prefix.Length > 0 ? prefix + " " : string.Empty) + "Zip/Postal Code", 20));
            o.Add(Text(prefix + "Country", (prefix.Length > 0 ? prefix + " " : string.Empty) + "Country", 80));
            o.Add(new SfField { Name = prefix + "Address", Label = (prefix.Length > 0 ? prefix + " " : string.Empty) + "Address", Type = SfFieldType.Address, Compute = AddressOf(prefix) });
        }

        public static SfField Text(string name, string label, int length, SfFieldType type = SfFieldType.String, bool required = false, bool nameField = false)
            => new() { Name = name, Label = label, Type = type, Length = length, Createable = true, Updateable = true, Nillable = !required, NameField = nameField, HtmlFormatted = false };

        public static SfField Pick(string name, string label, string[] values, bool required = false, bool restricted = false)
            => new() { Name = name, Label = label, Type = SfFieldType.Picklist, Length = 255, Createable = true, Updateable = true, Nillable = !required, PicklistValues = values, RestrictedPicklist = restricted };

        public static SfField Bool(string name, string label, bool updateable)
            => new() { Name = name, Label = label, Type = SfFieldType.Boolean, Createable = updateable, Updateable = updateable, Nillable = false, DefaultedOnCreate = true, DefaultValue = false };

        public static SfField Num(string name, string label, SfFieldType type, int precision, int scale, bool defaulted = false)
            => new() { Name = name, Label = label, Type = type, Precision = precision, Scale = scale, Createable = true, Updateable = true, DefaultedOnCreate = defaulted };

        public static SfField Ref(string name, string label, string[] to, string relationship, bool cascade = false)
            => new() { Name = name, Label = label, Type = SfFieldType.Reference, ReferenceTo = to, RelationshipName = relationship, Createable = true, Updateable = true, CascadeDelete = cascade, Length = 18 };
    }
}

/// <summary>A compound address value.</summary>
internal sealed record SfAddress(string? Street, string? City, string? State, string? PostalCode, string? Country);
