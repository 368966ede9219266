using System.Text.Json;
using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>A lead-side change recorded in a sync state, waiting to reach the CRM.</summary>
/// <remarks>Seed payloads such as <c>{"field":"stage","new_value":"opportunity"}</c> round-trip: unknown keys are kept.</remarks>
public sealed record PendingChange
{
    /// <summary>Gets the lead field (or <c>notes</c> for a summary waiting to be pushed).</summary>
    public required string Field { get; init; }

    /// <summary>Gets the new value in canonical text form, when recorded.</summary>
    [JsonConverter(typeof(LenientStringJsonConverter))]
    public string? Value { get; init; }

    /// <summary>Gets when the change was recorded, when known.</summary>
    public DateTimeOffset? ChangedAt { get; init; }

    /// <summary>
    /// Gets a value indicating whether this is a sync's write in progress rather than a host's change: a sync records
    /// the value <see cref="Value"/> it is about to write to the lead or the CRM, with both sides' values before, and
    /// clears it once the outcome is recorded. One left behind (a lost response, a crash) tells the next sync which side
    /// values are its own writes and which are changes people made since.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Unconfirmed { get; init; }

    /// <summary>Gets the lead's value (canonical text) before an <see cref="Unconfirmed"/> write.</summary>
    [JsonConverter(typeof(LenientStringJsonConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LeadValueBefore { get; init; }

    /// <summary>Gets the CRM's value (canonical text) before an <see cref="Unconfirmed"/> write.</summary>
    [JsonConverter(typeof(LenientStringJsonConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CrmValueBefore { get; init; }

    /// <summary>Gets any further keys of the change, preserved as written.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; init; }
}
