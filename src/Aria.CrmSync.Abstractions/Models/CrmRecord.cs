using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>A deal read from a CRM, in provider-neutral terms (Salesforce Opportunity or HubSpot Deal).</summary>
public sealed record CrmRecord
{
    /// <summary>Gets the record id in the CRM.</summary>
    public required string CrmId { get; init; }

    /// <summary>Gets the CRM.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>Gets the deal name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the CRM's stage (Salesforce <c>StageName</c>, HubSpot <c>dealstage</c> id).</summary>
    public string? Stage { get; init; }

    /// <summary>Gets the deal amount.</summary>
    public decimal? Amount { get; init; }

    /// <summary>Gets the close date.</summary>
    public DateOnly? CloseDate { get; init; }

    /// <summary>Gets whether the CRM considers the stage closed, when the gateway knows.</summary>
    public bool? IsClosed { get; init; }

    /// <summary>Gets whether the CRM considers the stage won, when the gateway knows.</summary>
    public bool? IsWon { get; init; }

    /// <summary>Gets when the CRM last modified the record (Salesforce <c>SystemModstamp</c>, HubSpot <c>hs_lastmodifieddate</c>).</summary>
    public DateTimeOffset? LastModifiedAt { get; init; }

    /// <summary>Gets whether the record was deleted or archived in the CRM.</summary>
    public bool IsDeleted { get; init; }

    /// <summary>Gets note texts attached to the record, when the gateway read them.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Gets activities attached to the record, when the gateway read them.</summary>
    public IReadOnlyList<CrmActivity> Activities { get; init; } = [];

    /// <summary>Gets contacts attached to the record, when the gateway read them.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string?>> Contacts { get; init; } = [];

    /// <summary>
    /// Gets the values of the custom CRM fields read for this record (those named by
    /// <see cref="CrmConnection.RecordFields"/>), keyed by the CRM's field name (Salesforce API name, HubSpot internal
    /// property name), each as the CRM's wire text: a JSON number's or boolean's literal text, a string as it is;
    /// <see langword="null"/> when the field is blank. Parse them with <see cref="Fields.CrmFieldValues.ParseCrm"/>.
    /// </summary>
    [JsonConverter(typeof(LenientStringDictionaryJsonConverter))]
    public IReadOnlyDictionary<string, string?> Fields { get; init; } = new Dictionary<string, string?>();

    /// <summary>Gets further provider fields.</summary>
    [JsonConverter(typeof(LenientStringDictionaryJsonConverter))]
    public IReadOnlyDictionary<string, string?> Metadata { get; init; } = new Dictionary<string, string?>();
}
