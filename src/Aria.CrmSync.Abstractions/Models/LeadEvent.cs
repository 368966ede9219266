using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>
/// An event on a lead's timeline. Events pulled from a CRM carry <see cref="Source"/> and
/// <see cref="ExternalId"/>; stores keep one event per (lead, source, external id).
/// </summary>
public sealed record LeadEvent
{
    /// <summary>Gets the event id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the owner.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the lead memory id.</summary>
    public required string LeadMemoryId { get; init; }

    /// <summary>Gets the event type: <c>call</c>, <c>email</c>, <c>meeting</c>, <c>task</c>, <c>note</c> or <c>event</c>.</summary>
    public required string EventType { get; init; }

    /// <summary>Gets the direction (<c>inbound</c>/<c>outbound</c>), when known.</summary>
    public string? Direction { get; init; }

    /// <summary>Gets the subject.</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the body text.</summary>
    public string? Content { get; init; }

    /// <summary>Gets when the activity happened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets the CRM the event came from; <see langword="null"/> for events ARIA created itself.</summary>
    public CrmProvider? Source { get; init; }

    /// <summary>Gets the activity's id in the CRM (deduplication key with <see cref="Source"/>).</summary>
    public string? ExternalId { get; init; }

    /// <summary>Gets further attributes of the activity.</summary>
    [JsonConverter(typeof(LenientStringDictionaryJsonConverter))]
    public IReadOnlyDictionary<string, string?> Metadata { get; init; } = new Dictionary<string, string?>();

    /// <summary>Gets when the event was stored.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
