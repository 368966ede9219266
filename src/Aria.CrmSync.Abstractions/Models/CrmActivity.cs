using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>An activity read from a CRM (Salesforce Task/Event, HubSpot call/email/meeting/task/note).</summary>
public sealed record CrmActivity
{
    /// <summary>Gets the activity id in the CRM.</summary>
    public required string ExternalId { get; init; }

    /// <summary>Gets the activity type: <c>call</c>, <c>email</c>, <c>meeting</c>, <c>task</c>, <c>note</c> or <c>event</c>.</summary>
    public required string ActivityType { get; init; }

    /// <summary>Gets the CRM record (opportunity/deal) the activity belongs to.</summary>
    public string? CrmRecordId { get; init; }

    /// <summary>Gets the subject or title.</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the body text.</summary>
    public string? Body { get; init; }

    /// <summary>Gets the CRM status (for tasks), when any.</summary>
    public string? Status { get; init; }

    /// <summary>Gets the direction (<c>inbound</c>/<c>outbound</c>), when known.</summary>
    public string? Direction { get; init; }

    /// <summary>Gets when the activity happened (or is due).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets when the CRM last modified the activity, when known.</summary>
    public DateTimeOffset? LastModifiedAt { get; init; }

    /// <summary>Gets further provider attributes.</summary>
    [JsonConverter(typeof(LenientStringDictionaryJsonConverter))]
    public IReadOnlyDictionary<string, string?> Metadata { get; init; } = new Dictionary<string, string?>();
}
