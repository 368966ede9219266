using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>Describe resources: <c>GET /sobjects</c>, <c>GET /sobjects/{Type}</c>, <c>GET /sobjects/{Type}/describe</c>.</summary>
internal sealed partial class SfApi
{
    private SfReply DescribeGlobal(SfCall call)
    {
        if (NotModified(call))
        {
            return new SfReply(304);
        }

        var list = new JsonArray();
        foreach (var obj in Schema.Objects)
        {
            list.Add(ObjectSummary(obj, call.Version));
        }

        return new SfReply(200, new JsonObject { ["encoding"] = "UTF-8", ["maxBatchSize"] = 200, ["sobjects"] = list })
            .With("Last-Modified", SfWire.FormatHttpDate(_schemaModified));
    }

    private SfReply BasicInfo(SfCall call, SfObject obj)
    {
        var recent = _store.All(obj.StorageName)
            .Where(r => !r.IsDeleted)
            .OrderByDescending(r => r.Get("LastModifiedDate") ?? r.Get("SystemModstamp"))
            .Take(10)
            .Select(r =>
            {
                var item = new JsonObject
                {
                    ["attributes"] = new JsonObject { ["type"] = obj.Name, ["url"] = $"/services/data/v{call.Version}/sobjects/{obj.Name}/{r.Id}" },
                    ["Id"] = r.Id,
                };
                if (obj.NameFieldDef is { } nameField)
                {
                    item[nameField.Name] = SfValues.ToJson(nameField, nameField.Compute is { } c ? c(r) : r.Get(nameField.Name));
                }

                return (JsonNode?)item;
            })
            .ToList();
        return new SfReply(200, new JsonObject { ["objectDescribe"] = ObjectSummary(obj, call.Version), ["recentItems"] = new JsonArray([.. recent]) });
    }

    private SfReply Describe(SfCall call, SfObject obj)
    {
        if (NotModified(call))
        {
            return new SfReply(304);
        }

        var node = ObjectSummary(obj, call.Version);
        node["actionOverrides"] = new JsonArray();
        node["childRelationships"] = new JsonArray([.. obj.ChildRelationships.Select(c => (JsonNode?)new JsonObject
        {
            ["associateEntityType"] = null,
            ["cascadeDelete"] = c.CascadeDelete,
            ["childSObject"] = c.ChildObject,
            ["deprecatedAndHidden"] = false,
            ["field"] = c.Field,
            ["junctionIdListNames"] = new JsonArray(),
            ["junctionReferenceTo"] = new JsonArray(),
            ["relationshipName"] = c.RelationshipName,
            ["restrictedDelete"] = false,
        })]);
        node["compactLayoutable"] = obj.Layoutable;
        node["defaultImplementation"] = null;
        node["extendedBy"] = null;
        node["extendsInterfaces"] = null;
        var stages = _store.All("OpportunityStage").Where(r => r.Get("IsActive") is true).OrderBy(r => r.Get("SortOrder") as decimal?).Select(r => (string)r.Get("ApiName")!).ToList();
        node["fields"] = new JsonArray([.. obj.Fields.Select(f => (JsonNode?)FieldDescribe(obj, f, obj.Name == "Opportunity" && f.Name == "StageName" ? stages : f.PicklistValues))]);
        node["implementedBy"] = null;
        node["implementsInterfaces"] = null;
        node["listviewable"] = null;
        node["lookupLayoutable"] = null;
        node["namedLayoutInfos"] = new JsonArray();
        node["networkScopeFieldName"] = null;
        node["recordTypeInfos"] = new JsonArray(new JsonObject
        {
            ["active"] = true,
            ["available"] = true,
            ["defaultRecordTypeMapping"] = true,
            ["developerName"] = "Master",
            ["master"] = true,
            ["name"] = "Master",
            ["recordTypeId"] = "012000000000000AAA",
            ["urls"] = new JsonObject { ["layout"] = $"/services/data/v{call.Version}/sobjects/{obj.Name}/describe/layouts/012000000000000AAA" },
        });
        node["searchLayoutable"] = obj.Searchable;
        node["sobjectDescribeOption"] = "FULL";
        node["supportedScopes"] = new JsonArray(
            new JsonObject { ["label"] = "All " + obj.LabelPlural.ToLowerInvariant(), ["name"] = "everything" },
            new JsonObject { ["label"] = "My " + obj.LabelPlural.ToLowerInvariant(), ["name"] = "mine" });
        return new SfReply(200, node).With("Last-Modified", SfWire.FormatHttpDate(_schemaModified));
    }

    private bool NotModified(SfCall call)
        => call.Header("If-Modified-Since") is { } since && SfWire.TryParseHttpDate(since, out var date) && _schemaModified <= date;

    private static JsonObject ObjectSummary(SfObject obj, string version)
    {
        var url = $"/services/data/v{version}/sobjects/{obj.Name}";
        return new JsonObject
        {
            ["activateable"] = false,
            ["associateEntityType"] = null,
            ["associateParentEntity"] = null,
            ["createable"] = obj.Createable,
            ["custom"] = false,
            ["customSetting"] = false,
            ["deepCloneable"] = false,
            ["deletable"] = obj.Deletable,
            ["deprecatedAndHidden"] = false,
            ["feedEnabled"] = obj.FeedEnabled,
            ["hasSubtypes"] = false,
            ["isInterface"] = false,
            ["isSubtype"] = false,
            ["keyPrefix"] = obj.KeyPrefix,
            ["label"] = obj.Label,
            ["labelPlural"] = obj.LabelPlural,
            ["layoutable"] = obj.Layoutable,
            ["mergeable"] = obj.Mergeable,
            ["mruEnabled"] = obj.Layoutable,
            ["name"] = obj.Name,
            ["queryable"] = obj.Queryable,
            ["replicateable"] = obj.Replicateable,
            ["retrieveable"] = obj.Retrieveable,
            ["searchable"] = obj.Searchable,
            ["triggerable"] = obj.Createable,
            ["undeletable"] = obj.Undeletable,
            ["updateable"] = obj.Updateable,
            ["urls"] = new JsonObject
            {
                ["rowTemplate"] = url + "/{ID}",
                ["defaultValues"] = url + "/defaultValues?recordTypeId&fields",
                ["describe"] = url + "/describe",
                ["sobject"] = url,
            },
        };
    }

    private static string? CompoundOf(SfObject obj, SfField f)
    {
        foreach (var part in new[] { "Street", "City", "State", "PostalCode", "Country" })
        {
            if (f.Name.EndsWith(part, StringComparison.Ordinal) && obj.Field(f.Name[..^part.Length] + "Address") is { Type: SfFieldType.Address } compound)
            {
                return compound.Name;
            }
        }

        return null;
    }

    private static JsonObject FieldDescribe(SfObject obj, SfField f, IReadOnlyList<string> picklist)
    {
        var text = f.IsText || f.IsIdLike;
        var length = f.Type switch
        {
            SfFieldType.Id or SfFieldType.Reference => 18,
            _ when f.IsText => f.Length,
            _ => 0,
        };
        return new JsonObject
        {
            ["aggregatable"] = f.Type is not (SfFieldType.TextArea or SfFieldType.Base64 or SfFieldType.Address) && !(f.Type == SfFieldType.Boolean),
            ["aiPredictionField"] = false,
            ["autoNumber"] = false,
            ["byteLength"] = text ? length * 3 : 0,
            ["calculated"] = f.Calculated && f.Type != SfFieldType.Address,
            ["calculatedFormula"] = null,
            ["cascadeDelete"] = false,
            ["caseSensitive"] = false,
            ["compoundFieldName"] = CompoundOf(obj, f),
            ["controllerName"] = null,
            ["createable"] = f.Createable,
            ["custom"] = f.Custom,
            ["defaultValue"] = f.DefaultValue is bool b ? JsonValue.Create(b) : null,
            ["defaultValueFormula"] = null,
            ["defaultedOnCreate"] = f.DefaultedOnCreate,
            ["dependentPicklist"] = false,
            ["deprecatedAndHidden"] = false,
            ["digits"] = f.Type == SfFieldType.Int ? Math.Max(f.Precision, 9) : 0,
            ["displayLocationInDecimal"] = false,
            ["encrypted"] = false,
            ["externalId"] = f.ExternalId,
            ["extraTypeInfo"] = f.Type switch
            {
                SfFieldType.TextArea when f.Length > 255 => "plaintextarea",
                SfFieldType.Reference when f.ReferenceTo.Contains("User") => null,
                _ => null,
            },
            ["filterable"] = f.Type is not (SfFieldType.Base64 or SfFieldType.Address) && !(f.Type == SfFieldType.TextArea && f.Length > 255),
            ["filteredLookupInfo"] = null,
            ["formulaTreatNullNumberAsZero"] = false,
            ["groupable"] = f.Type is not (SfFieldType.TextArea or SfFieldType.Base64 or SfFieldType.Address or SfFieldType.DateTime or SfFieldType.Currency or SfFieldType.Double or SfFieldType.Percent),
            ["highScaleNumber"] = false,
            ["htmlFormatted"] = f.HtmlFormatted,
            ["idLookup"] = f.Type == SfFieldType.Id || f.ExternalId || f.Unique,
            ["inlineHelpText"] = null,
            ["label"] = f.Label,
            ["length"] = length,
            ["mask"] = null,
            ["maskType"] = null,
            ["name"] = f.Name,
            ["nameField"] = f.NameField,
            ["namePointing"] = f.IsPolymorphic,
            ["nillable"] = f.Nillable,
            ["permissionable"] = f.Nillable && (f.Createable || f.Updateable),
            ["picklistValues"] = new JsonArray([.. picklist.Select((v, i) => (JsonNode?)new JsonObject
            {
                ["active"] = true,
                ["defaultValue"] = f.DefaultValue is string d ? d == v : false,
                ["label"] = v,
                ["validFor"] = null,
                ["value"] = v,
            })]),
            ["polymorphicForeignKey"] = f.IsPolymorphic,
            ["precision"] = f.IsNumber && f.Type != SfFieldType.Int ? f.Precision : 0,
            ["queryByDistance"] = false,
            ["referenceTargetField"] = null,
            ["referenceTo"] = new JsonArray([.. f.ReferenceTo.Select(r => (JsonNode?)JsonValue.Create(r))]),
            ["relationshipName"] = f.RelationshipName,
            ["relationshipOrder"] = null,
            ["restrictedDelete"] = false,
            ["restrictedPicklist"] = f.RestrictedPicklist,
            ["scale"] = f.IsNumber && f.Type != SfFieldType.Int ? f.Scale : 0,
            ["searchPrefilterable"] = f.Type == SfFieldType.Reference,
            ["soapType"] = f.SoapType,
            ["sortable"] = f.Type is not (SfFieldType.Base64 or SfFieldType.Address or SfFieldType.MultiPicklist) && !(f.Type == SfFieldType.TextArea && f.Length > 255),
            ["type"] = f.DescribeType,
            ["unique"] = f.Unique,
            ["updateable"] = f.Updateable,
            ["writeRequiresMasterRead"] = false,
        };
    }
}
