using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>ARIA's record of a deal (a row of the seed's <c>lead_memories</c>), possibly linked to a CRM record.</summary>
public sealed record LeadMemory
{
    /// <summary>Gets the lead memory id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the owner.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the company name.</summary>
    public required string CompanyName { get; init; }

    /// <summary>Gets the linked CRM, if any.</summary>
    public CrmProvider? CrmProvider { get; init; }

    /// <summary>Gets the linked CRM record id, if any.</summary>
    public string? CrmId { get; init; }

    /// <summary>Gets the lifecycle stage (see <see cref="LifecycleStages"/>).</summary>
    public string LifecycleStage { get; init; } = LifecycleStages.Lead;

    /// <summary>Gets the status (see <see cref="LeadStatuses"/>).</summary>
    public string Status { get; init; } = LeadStatuses.Active;

    /// <summary>Gets the expected deal value.</summary>
    public decimal? ExpectedValue { get; init; }

    /// <summary>Gets the expected close date.</summary>
    public DateOnly? ExpectedCloseDate { get; init; }

    /// <summary>Gets the health score (0–100), when the host computes one.</summary>
    public int? HealthScore { get; init; }

    /// <summary>Gets free-form metadata.</summary>
    [JsonConverter(typeof(LenientStringDictionaryJsonConverter))]
    public IReadOnlyDictionary<string, string?> Metadata { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Gets the values of the catalogue's custom fields (every <see cref="Fields.CrmFieldDefinition"/> beyond the four
    /// default fields), keyed by <see cref="Fields.CrmFieldDefinition.LeadField"/>. A value is its canonical text (see
    /// <see cref="Fields.CrmFieldValue.ToString"/>: a currency amount with its ISO 4217 code is <c>"1250.5 EUR"</c>);
    /// <see langword="null"/> or a missing key is blank. The sync engine reads and writes them as it does the typed
    /// properties; a field the catalogue does not name is kept and never synced.
    /// </summary>
    [JsonConverter(typeof(LenientStringDictionaryJsonConverter))]
    public IReadOnlyDictionary<string, string?> CustomFields { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Gets the people on the deal, pulled from the linked CRM record's contacts (CRM → lead only; see
    /// <see cref="ICrmContactReader"/>); empty until a sync reads them.
    /// </summary>
    public IReadOnlyList<CrmContact> Stakeholders { get; init; } = [];

    /// <summary>Gets when the lead was first touched.</summary>
    public DateTimeOffset? FirstTouchAt { get; init; }

    /// <summary>Gets when the lead last had activity.</summary>
    public DateTimeOffset? LastActivityAt { get; init; }

    /// <summary>Gets when the lead was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the lead was last updated.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the optimistic-concurrency version (0 before the first write).</summary>
    public long Version { get; init; }

    /// <summary>Gets a value indicating whether the lead is linked to a CRM record.</summary>
    [JsonIgnore]
    public bool IsLinked => CrmProvider is not null && !string.IsNullOrEmpty(CrmId);
}
