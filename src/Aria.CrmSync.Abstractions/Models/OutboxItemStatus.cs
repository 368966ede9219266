using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>The delivery state of an outbound CRM write recorded in a sync state's outbox.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<OutboxItemStatus>))]
public enum OutboxItemStatus
{
    /// <summary>Recorded, not yet sent. Wire value <c>pending</c>.</summary>
    [WireValue("pending")]
    Pending,

    /// <summary>Sent at least once without a definite answer; the next attempt looks for the write first. Wire value <c>in_flight</c>.</summary>
    [WireValue("in_flight")]
    InFlight,

    /// <summary>Confirmed written. Wire value <c>done</c>.</summary>
    [WireValue("done")]
    Done,

    /// <summary>Rejected for good by the CRM (never retried). Wire value <c>failed</c>.</summary>
    [WireValue("failed")]
    Failed,
}
