using Microsoft.Extensions.Options;

namespace Aria.CrmSync;

/// <summary>Validates <see cref="CrmSyncOptions"/> at start-up.</summary>
internal sealed class CrmSyncOptionsValidator : IValidateOptions<CrmSyncOptions>
{
    public ValidateOptionsResult Validate(string? name, CrmSyncOptions options)
    {
        var failures = new List<string>();
        foreach (var (field, rule) in options.FieldRules)
        {
            if (!Enum.IsDefined(rule))
            {
                failures.Add($"FieldRules[{field}] is not a defined ConflictResolution.");
            }
            else if (rule == ConflictResolution.Merge && field != LeadFields.Notes)
            {
                failures.Add($"FieldRules[{field}] = merge: merge applies to '{LeadFields.Notes}' only; use crm_wins, aria_wins or manual for scalar fields.");
            }
        }

        if (options.DefaultRule == ConflictResolution.Merge)
        {
            failures.Add("DefaultRule cannot be merge: merge applies to notes only.");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero)
        {
            failures.Add("RetryBaseDelay must be positive.");
        }

        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add("RetryMaxDelay must not be shorter than RetryBaseDelay.");
        }

        if (options.NoteClaimDuration <= TimeSpan.Zero)
        {
            failures.Add("NoteClaimDuration must be positive.");
        }

        if (options.ActivityOverlap < TimeSpan.Zero)
        {
            failures.Add("ActivityOverlap must not be negative.");
        }

        foreach (var (provider, map) in options.StageMaps)
        {
            if (map is null)
            {
                failures.Add($"StageMaps[{provider}] is null.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(map.WonStage) || string.IsNullOrWhiteSpace(map.LostStage))
            {
                failures.Add($"StageMaps[{provider}] needs WonStage and LostStage.");
            }

            foreach (var leadStage in new[] { LifecycleStages.Lead, LifecycleStages.Opportunity })
            {
                if (!map.ToCrmStage.ContainsKey(leadStage))
                {
                    failures.Add($"StageMaps[{provider}].ToCrmStage has no entry for '{leadStage}'.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
