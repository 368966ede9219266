using System.ComponentModel.DataAnnotations;

namespace Aria.CrmSync;

/// <summary>Options of the sync engine.</summary>
public sealed class CrmSyncOptions
{
    /// <summary>The note prefix that tags ARIA's notes in the CRM (the seed plan's <c>[ARIA]</c> tag).</summary>
    public const string NotePrefix = "[ARIA] ";

    /// <summary>The retry limit of the seed plan.</summary>
    public const int DefaultMaxRetries = 5;

    /// <summary>
    /// Gets the conflict rule per lead field (fields changed on both sides). Defaults are the seed's: CRM wins for
    /// <c>lifecycle_stage</c>, <c>expected_value</c>, <c>expected_close_date</c> and <c>status</c>; merge for <c>notes</c>.
    /// <see cref="ConflictResolution.Merge"/> applies to <c>notes</c> only.
    /// </summary>
    public IDictionary<string, ConflictResolution> FieldRules { get; } = new Dictionary<string, ConflictResolution>(StringComparer.Ordinal)
    {
        [LeadFields.LifecycleStage] = ConflictResolution.CrmWins,
        [LeadFields.ExpectedValue] = ConflictResolution.CrmWins,
        [LeadFields.ExpectedCloseDate] = ConflictResolution.CrmWins,
        [LeadFields.Status] = ConflictResolution.CrmWins,
        [LeadFields.Notes] = ConflictResolution.Merge,
    };

    /// <summary>Gets or sets the rule of fields without an entry in <see cref="FieldRules"/>.</summary>
    /// <value>The default value is <see cref="ConflictResolution.CrmWins"/>.</value>
    public ConflictResolution DefaultRule { get; set; } = ConflictResolution.CrmWins;

    /// <summary>Gets the stage maps per CRM (defaults: the seed's maps).</summary>
    public IDictionary<CrmProvider, CrmStageMap> StageMaps { get; } = new Dictionary<CrmProvider, CrmStageMap>
    {
        [CrmProvider.Salesforce] = CrmStageMap.SalesforceDefault(),
        [CrmProvider.HubSpot] = CrmStageMap.HubSpotDefault(),
    };

    /// <summary>Gets or sets how many automatic retries a failed lead gets before it stays in <c>error</c>.</summary>
    /// <value>The default value is 5.</value>
    [Range(0, 100)]
    public int MaxRetries { get; set; } = DefaultMaxRetries;

    /// <summary>Gets or sets the delay before the first retry; each further retry doubles it.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the longest delay between retries.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the jitter applied to retry delays, as a share of the delay (0 = none).</summary>
    /// <value>The default value is 0.2 (±20 %).</value>
    [Range(0.0, 1.0)]
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>Gets or sets the longest summary accepted by <see cref="ICrmSyncService.PushSummaryAsync"/>.</summary>
    /// <value>The default value is 32,000 characters (a Salesforce note body).</value>
    [Range(1, 1_000_000)]
    public int MaxNoteLength { get; set; } = 32_000;

    /// <summary>Gets or sets how often an operation is re-run when another writer changed the lead or its state meanwhile.</summary>
    /// <value>The default value is 5.</value>
    [Range(1, 50)]
    public int ConcurrencyAttempts { get; set; } = 5;

    /// <summary>Gets or sets how far back activity pulls re-read, to catch activities committed late.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan ActivityOverlap { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how long a sender holds a note while delivering it (see <see cref="OutboxItem.ClaimedUntil"/>): longer
    /// than the slowest delivery (lookups and creation, with their HTTP timeouts), so that no second sender writes the note
    /// meanwhile; a note whose sender crashed is sent again after it.
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan NoteClaimDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how many delivered notes a lead's sync state keeps (newest first, each with only its idempotency key,
    /// CRM id and times): a push repeated with one of their keys is answered from the state. Older ones are dropped (the
    /// audit trail keeps every delivery); a note recorded once some were dropped looks for an earlier delivery first.
    /// </summary>
    /// <value>The default value is 8.</value>
    [Range(1, 10_000)]
    public int DeliveredNotesKept { get; set; } = 8;

    /// <summary>
    /// Gets or sets how many resolved conflicts a lead's sync state keeps as recent history (newest first); open conflicts
    /// are always kept. The audit trail keeps every conflict and its resolution.
    /// </summary>
    /// <value>The default value is 5.</value>
    [Range(0, 10_000)]
    public int ResolvedConflictsKept { get; set; } = 5;

    /// <summary>Returns the rule of a field.</summary>
    /// <param name="field">The lead field.</param>
    /// <returns>The rule.</returns>
    public ConflictResolution RuleFor(string field) => FieldRules.TryGetValue(field, out var rule) ? rule : DefaultRule;

    /// <summary>Returns the stage map of a CRM.</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The map.</returns>
    public CrmStageMap StageMapFor(CrmProvider provider) => StageMaps.TryGetValue(provider, out var map) ? map : CrmStageMap.For(provider);
}
