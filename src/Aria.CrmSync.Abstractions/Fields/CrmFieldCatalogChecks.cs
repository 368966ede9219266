using System.Globalization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Fields;

/// <summary>The checks of <see cref="CrmFieldCatalog.Create"/>: every problem of a set of definitions, each naming the field.</summary>
internal static class CrmFieldCatalogChecks
{
    public const int MaxLeadFieldLength = LeadFieldRules.MaxNameLength;

    public const int MaxCrmFieldLength = 255;

    public const int MaxTextLength = LeadFieldRules.MaxValueLength;

    public const int MaxPrecision = 18;

    public static List<CrmFieldIssue> Check(IReadOnlyList<CrmFieldDefinition> fields)
    {
        var issues = new List<CrmFieldIssue>();
        var leadFields = new HashSet<string>(StringComparer.Ordinal);
        var writers = new Dictionary<(CrmProvider, string), List<CrmFieldDefinition>>();
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            if (field is null)
            {
                issues.Add(new(string.Empty, CrmFieldIssueKind.InvalidName, $"field #{i + 1} is null"));
                continue;
            }

            var name = field.LeadField ?? string.Empty;
            if (!IsLeadFieldName(name))
            {
                issues.Add(new(name, CrmFieldIssueKind.InvalidName, $"field '{name}': the lead field name must be 1 to {MaxLeadFieldLength} characters: a lowercase letter, then lowercase letters, digits or '_'"));
            }
            else if (name == LeadFields.Notes)
            {
                issues.Add(new(name, CrmFieldIssueKind.InvalidName, $"field '{name}': '{LeadFields.Notes}' is merged by the note sync and cannot be mapped as a field"));
            }
            else if (!leadFields.Add(name))
            {
                issues.Add(new(name, CrmFieldIssueKind.DuplicateField, $"field '{name}' is defined more than once"));
            }

            CheckOptions(field, name, issues);
            CheckCrmFields(field, name, issues, writers);
            CheckPicklists(field, name, issues);
        }

        CheckSharedCrmFields(writers, issues);
        return issues;
    }

    private static void CheckOptions(CrmFieldDefinition field, string name, List<CrmFieldIssue> issues)
    {
        if (!Enum.IsDefined(field.Type))
        {
            issues.Add(new(name, CrmFieldIssueKind.InvalidOption, $"field '{name}': type {(int)field.Type} is not a field type"));
            return;
        }

        if (!Enum.IsDefined(field.Direction))
        {
            issues.Add(new(name, CrmFieldIssueKind.InvalidOption, $"field '{name}': direction {(int)field.Direction} is not a direction"));
        }

        if (!Enum.IsDefined(field.ConflictRule))
        {
            issues.Add(new(name, CrmFieldIssueKind.InvalidOption, $"field '{name}': conflict rule {(int)field.ConflictRule} is not a conflict rule"));
        }

        var type = WireValue.Format(field.Type);
        var textual = field.Type is CrmFieldType.Text or CrmFieldType.LongText or CrmFieldType.Picklist or CrmFieldType.MultiPicklist;
        if (field.MaxLength is { } length && (!textual || length < 1 || length > MaxTextLength))
        {
            issues.Add(new(name, CrmFieldIssueKind.InvalidOption, textual
                ? $"field '{name}': max length {length} is outside 1..{MaxTextLength}"
                : $"field '{name}': a {type} field has no max length"));
        }

        var numeric = field.Type is CrmFieldType.Integer or CrmFieldType.Decimal or CrmFieldType.Currency or CrmFieldType.Percent;
        if (field.Precision is { } precision && (!numeric || precision < 1 || precision > MaxPrecision))
        {
            issues.Add(new(name, CrmFieldIssueKind.InvalidOption, numeric
                ? $"field '{name}': precision {precision} is outside 1..{MaxPrecision}"
                : $"field '{name}': a {type} field has no precision"));
        }

        if (field.Scale is { } scale)
        {
            var limit = field.Precision ?? MaxPrecision;
            if (!numeric || (field.Type == CrmFieldType.Integer && scale != 0) || scale < 0 || scale > limit)
            {
                issues.Add(new(name, CrmFieldIssueKind.InvalidOption, !numeric || field.Type == CrmFieldType.Integer
                    ? $"field '{name}': a {type} field has no scale"
                    : $"field '{name}': scale {scale} is outside 0..{limit}"));
            }
        }
    }

    private static void CheckCrmFields(CrmFieldDefinition field, string name, List<CrmFieldIssue> issues, Dictionary<(CrmProvider, string), List<CrmFieldDefinition>> writers)
    {
        if (field.CrmFields is null || field.CrmFields.Count == 0)
        {
            issues.Add(new(name, CrmFieldIssueKind.MissingCrmField, $"field '{name}' names no CRM field"));
            return;
        }

        foreach (var (provider, crmField) in field.CrmFields)
        {
            if (provider.IsDefault || !IsCrmFieldName(crmField))
            {
                issues.Add(new(name, CrmFieldIssueKind.InvalidName, provider.IsDefault
                    ? $"field '{name}': a CRM field is given for default(CrmProvider), which names no CRM"
                    : $"field '{name}': the {provider.Value} field name '{crmField}' must be 1 to {MaxCrmFieldLength} characters without white space or control characters")
                { Provider = provider.IsDefault ? null : provider, CrmField = crmField });
                continue;
            }

            if (field.Direction == SyncDirection.Pull)
            {
                continue; // only fields that write the CRM field compete for it
            }

            var key = (provider, crmField);
            if (!writers.TryGetValue(key, out var list))
            {
                writers[key] = list = [];
            }

            list.Add(field);
        }
    }

    private static void CheckPicklists(CrmFieldDefinition field, string name, List<CrmFieldIssue> issues)
    {
        var picklists = field.Picklists ?? new Dictionary<CrmProvider, CrmPicklistMap>();
        if (!field.IsPicklist)
        {
            if (picklists.Count > 0)
            {
                issues.Add(new(name, CrmFieldIssueKind.PicklistMap, $"field '{name}' is not a picklist but has a value map"));
            }

            return;
        }

        foreach (var provider in (field.CrmFields ?? new Dictionary<CrmProvider, string>()).Keys.Where(p => !p.IsDefault))
        {
            if (!picklists.TryGetValue(provider, out var map) || map is null || map.Entries.Count == 0)
            {
                issues.Add(new(name, CrmFieldIssueKind.PicklistMap, $"field '{name}' is a picklist without a value map for {provider.Value}") { Provider = provider });
            }
        }

        foreach (var (provider, map) in picklists)
        {
            if (map is null)
            {
                continue;
            }

            if (provider.IsDefault || field.CrmFields?.ContainsKey(provider) != true)
            {
                issues.Add(new(name, CrmFieldIssueKind.PicklistMap, $"field '{name}' has a value map for {(provider.IsDefault ? "default(CrmProvider)" : provider.Value)}, which it names no CRM field for"));
                continue;
            }

            CheckMap(field, name, provider, map, issues);
        }
    }

    private static void CheckMap(CrmFieldDefinition field, string name, CrmProvider provider, CrmPicklistMap map, List<CrmFieldIssue> issues)
    {
        var toLead = new Dictionary<string, string>(StringComparer.Ordinal);
        var toCrm = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            if (entry is null)
            {
                issues.Add(new(name, CrmFieldIssueKind.InvalidValue, $"field '{name}': the {provider.Value} value map has a null entry") { Provider = provider });
                continue;
            }

            if ((ValueProblem(field, entry.CrmValue) ?? ValueProblem(field, entry.LeadValue)) is { } problem)
            {
                issues.Add(new(name, CrmFieldIssueKind.InvalidValue, $"field '{name}': the {provider.Value} value map entry '{entry.CrmValue}' -> '{entry.LeadValue}': {problem}") { Provider = provider });
                continue;
            }

            var crm = CrmText.Canonical(entry.CrmValue);
            var lead = CrmText.Canonical(entry.LeadValue);
            if (toLead.TryGetValue(crm, out var existingLead) && existingLead != lead)
            {
                issues.Add(new(name, CrmFieldIssueKind.MapNotAFunction, $"field '{name}': the {provider.Value} value '{crm}' maps to both '{existingLead}' and '{lead}'") { Provider = provider });
            }
            else
            {
                toLead[crm] = lead;
            }

            if (entry.Writes)
            {
                if (toCrm.TryGetValue(lead, out var existingCrm) && existingCrm != crm)
                {
                    issues.Add(new(name, CrmFieldIssueKind.MapNotAFunction, $"field '{name}': the lead value '{lead}' is written to {provider.Value} as both '{existingCrm}' and '{crm}' (mark all but one entry as read-only)") { Provider = provider });
                }
                else
                {
                    toCrm[lead] = crm;
                }
            }
        }
    }

    private static string? ValueProblem(CrmFieldDefinition field, string? value)
    {
        if (value is null || string.IsNullOrWhiteSpace(value))
        {
            return "a value is empty";
        }

        if (!CrmText.IsWellFormed(value) || value.Any(c => char.IsControl(c)))
        {
            return "a value has a control character or a lone surrogate";
        }

        if (field.Type == CrmFieldType.MultiPicklist && value.Contains(';', StringComparison.Ordinal))
        {
            return "a multi-select value cannot contain ';', which separates the values";
        }

        return field.MaxLength is { } max && CrmText.Canonical(value).Length > max
            ? string.Create(CultureInfo.InvariantCulture, $"a value is longer than the field's max length {max}")
            : null;
    }

    /// <summary>Two fields may share a CRM field only when both are picklists whose written CRM values do not overlap (the stage: lifecycle stage and status).</summary>
    private static void CheckSharedCrmFields(Dictionary<(CrmProvider Provider, string CrmField), List<CrmFieldDefinition>> writers, List<CrmFieldIssue> issues)
    {
        foreach (var ((provider, crmField), list) in writers)
        {
            if (list.Count < 2)
            {
                continue;
            }

            var shareable = list.All(f => f.Type == CrmFieldType.Picklist && f.Picklists?.GetValueOrDefault(provider) is not null);
            if (shareable)
            {
                var written = new HashSet<string>(StringComparer.Ordinal);
                shareable = list.All(f => f.Picklists[provider].ToCrm.Values.Select(CrmText.Canonical).Distinct(StringComparer.Ordinal).All(written.Add));
            }

            if (!shareable)
            {
                var names = string.Join("', '", list.Select(f => f.LeadField));
                foreach (var field in list.Skip(1))
                {
                    issues.Add(new(field.LeadField ?? string.Empty, CrmFieldIssueKind.DuplicateCrmField, $"field '{field.LeadField}': the {provider.Value} field '{crmField}' is also mapped by '{list[0].LeadField}' (fields '{names}' may share it only if all are picklists writing different values)") { Provider = provider, CrmField = crmField });
                }
            }
        }
    }

    private static bool IsLeadFieldName(string name) => LeadFieldRules.IsName(name);

    private static bool IsCrmFieldName(string? name)
        => name is { Length: > 0 and <= MaxCrmFieldLength }
            && CrmText.IsWellFormed(name)
            && !name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));
}
