using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Sync;

/// <summary>Maps lead memories and CRM records to the canonical field values the merge compares, and back.</summary>
internal static class LeadFieldMapper
{
    public static Dictionary<string, string?> FromLead(LeadMemory lead, int capacity = 4) => new(capacity, StringComparer.Ordinal)
    {
        [LeadFields.LifecycleStage] = Normalize(lead.LifecycleStage),
        [LeadFields.ExpectedValue] = CanonicalValue.FromDecimal(lead.ExpectedValue),
        [LeadFields.ExpectedCloseDate] = CanonicalValue.FromDate(lead.ExpectedCloseDate),
        [LeadFields.Status] = Normalize(lead.Status),
    };

    /// <summary>The CRM fields the merge reads from a record (stage, amount, close date).</summary>
    private static readonly string[] ComparedCrmFields = [CrmFields.Stage, CrmFields.Amount, CrmFields.CloseDate];

    /// <summary>
    /// The record's values, as read, of the CRM fields the merge compared and of those the update writes
    /// (<see cref="CrmFields"/> names, canonical text): what <see cref="CrmRecordUpdate.ExpectedValues"/> carries to the
    /// gateway's precondition, so that a same-second CRM edit of any of them makes the engine read and merge again.
    /// </summary>
    public static Dictionary<string, string?> CrmValuesAsRead(CrmRecord record, IEnumerable<string> written)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in ComparedCrmFields.Union(written, StringComparer.Ordinal))
        {
            values[field] = field switch
            {
                CrmFields.Stage => record.Stage,
                CrmFields.Amount => CanonicalValue.FromDecimal(record.Amount),
                CrmFields.CloseDate => CanonicalValue.FromDate(record.CloseDate),
                CrmFields.Name => record.Name,
                _ => record.Metadata.GetValueOrDefault(field),
            };
        }

        return values;
    }

    /// <summary>Maps a CRM record to lead terms; a stage the map does not know is left out (and reported).</summary>
    public static Dictionary<string, string?> FromCrm(CrmRecord record, CrmStageMap map, out string? unknownStage, int capacity = 4)
    {
        unknownStage = null;
        var values = new Dictionary<string, string?>(capacity, StringComparer.Ordinal)
        {
            [LeadFields.ExpectedValue] = CanonicalValue.FromDecimal(record.Amount),
            [LeadFields.ExpectedCloseDate] = CanonicalValue.FromDate(record.CloseDate),
        };

        var stage = Normalize(record.Stage);
        string? mapped = null;
        if (stage is not null && map.ToLeadStage.TryGetValue(stage, out var m))
        {
            mapped = m;
        }

        var closed = record.IsClosed
            ?? (stage is null ? null
                : stage == map.WonStage || stage == map.LostStage ? true
                : mapped is null ? null
                : mapped == LifecycleStages.Account);
        var won = record.IsWon ?? (stage is not null && stage == map.WonStage);

        if (closed == true)
        {
            values[LeadFields.LifecycleStage] = mapped ?? LifecycleStages.Account;
            values[LeadFields.Status] = won ? LeadStatuses.Won : LeadStatuses.Lost;
        }
        else if (mapped is not null)
        {
            values[LeadFields.LifecycleStage] = mapped;
            values[LeadFields.Status] = LeadStatuses.Active;
        }
        else
        {
            unknownStage = stage ?? string.Empty;
            if (closed == false)
            {
                values[LeadFields.Status] = LeadStatuses.Active;
            }
        }

        return values;
    }

    /// <summary>Applies canonical values to a lead.</summary>
    public static LeadMemory Apply(LeadMemory lead, IReadOnlyDictionary<string, string?> changes, DateTimeOffset now)
    {
        var result = lead;
        foreach (var (field, value) in changes)
        {
            result = field switch
            {
                LeadFields.LifecycleStage => result with { LifecycleStage = value ?? result.LifecycleStage },
                LeadFields.Status => result with { Status = value ?? result.Status },
                LeadFields.ExpectedValue => result with { ExpectedValue = CanonicalValue.ToDecimal(value) },
                LeadFields.ExpectedCloseDate => result with { ExpectedCloseDate = CanonicalValue.ToDate(value) },
                _ => throw new ArgumentException($"'{field}' is not a synced lead field.", nameof(changes)),
            };
        }

        return result with { UpdatedAt = now, LastActivityAt = now };
    }

    /// <summary>
    /// Translates lead-field values to write into CRM fields. <paramref name="leadValues"/> are the lead's values after
    /// the merge (stage and status together decide the CRM stage). Returns only fields that differ from the record.
    /// </summary>
    public static Dictionary<string, string?> ToCrmFields(
        IReadOnlyDictionary<string, string?> leadValues,
        IEnumerable<string> changedFields,
        CrmRecord record,
        CrmStageMap map)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        var stageTouched = false;
        foreach (var field in changedFields)
        {
            switch (field)
            {
                case LeadFields.ExpectedValue:
                    fields[CrmFields.Amount] = leadValues.GetValueOrDefault(field);
                    break;
                case LeadFields.ExpectedCloseDate:
                    fields[CrmFields.CloseDate] = leadValues.GetValueOrDefault(field);
                    break;
                case LeadFields.LifecycleStage:
                case LeadFields.Status:
                    stageTouched = true;
                    break;
            }
        }

        if (stageTouched)
        {
            var status = leadValues.GetValueOrDefault(LeadFields.Status) ?? LeadStatuses.Active;
            var lifecycle = leadValues.GetValueOrDefault(LeadFields.LifecycleStage);
            var target = status switch
            {
                LeadStatuses.Won => map.WonStage,
                LeadStatuses.Lost => map.LostStage,
                _ when lifecycle is not null && map.ToCrmStage.TryGetValue(lifecycle, out var s) => s,
                _ => null,
            };

            if (target is not null && !StageAlreadyMeans(record, map, lifecycle, status))
            {
                fields[CrmFields.Stage] = target;
            }
        }

        return fields;
    }

    private static bool StageAlreadyMeans(CrmRecord record, CrmStageMap map, string? lifecycle, string status)
    {
        var current = FromCrm(record, map, out _);
        return current.GetValueOrDefault(LeadFields.LifecycleStage) == lifecycle
            && current.GetValueOrDefault(LeadFields.Status) == status;
    }

    private static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
