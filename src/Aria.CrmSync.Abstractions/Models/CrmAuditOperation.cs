using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>The kind of operation an audit entry records.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<CrmAuditOperation>))]
public enum CrmAuditOperation
{
    /// <summary>ARIA → CRM write. Wire value <c>push</c>.</summary>
    [WireValue("push")]
    Push,

    /// <summary>CRM → ARIA read. Wire value <c>pull</c>.</summary>
    [WireValue("pull")]
    Pull,

    /// <summary>A field changed on both sides. Wire value <c>conflict_detected</c>.</summary>
    [WireValue("conflict_detected")]
    ConflictDetected,

    /// <summary>A conflict was resolved by a rule or a person. Wire value <c>conflict_resolved</c>.</summary>
    [WireValue("conflict_resolved")]
    ConflictResolved,

    /// <summary>An operation failed. Wire value <c>error</c>.</summary>
    [WireValue("error")]
    Error,

    /// <summary>A failed sync was scheduled again. Wire value <c>retry</c>.</summary>
    [WireValue("retry")]
    Retry,
}
