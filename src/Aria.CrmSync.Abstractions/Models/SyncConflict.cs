using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>A field changed on both sides since the last sync, and how it was (or is to be) resolved.</summary>
public sealed record SyncConflict
{
    /// <summary>Gets the lead field, for example <c>lifecycle_stage</c>.</summary>
    public required string Field { get; init; }

    /// <summary>Gets the lead's (ARIA's) value in canonical text form.</summary>
    [JsonConverter(typeof(LenientStringJsonConverter))]
    public string? AriaValue { get; init; }

    /// <summary>Gets the CRM's value in canonical text form (mapped to lead terms).</summary>
    [JsonConverter(typeof(LenientStringJsonConverter))]
    public string? CrmValue { get; init; }

    /// <summary>Gets the value both sides had at the last sync, when known.</summary>
    [JsonConverter(typeof(LenientStringJsonConverter))]
    public string? BaseValue { get; init; }

    /// <summary>Gets the rule applied.</summary>
    public required ConflictResolution Resolution { get; init; }

    /// <summary>Gets the value written to both sides; <see langword="null"/> while a manual conflict is open.</summary>
    [JsonConverter(typeof(LenientStringJsonConverter))]
    public string? ResolvedValue { get; init; }

    /// <summary>Gets when the conflict was detected.</summary>
    public required DateTimeOffset DetectedAt { get; init; }

    /// <summary>Gets when the conflict was resolved; <see langword="null"/> while it is open.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Gets a value indicating whether the conflict still waits for a person.</summary>
    [JsonIgnore]
    public bool IsOpen => ResolvedAt is null;
}
