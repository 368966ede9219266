using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>The state of a lead's sync with its CRM record.</summary>
/// <remarks>
/// Legal transitions: <c>synced → pending</c> (local change), <c>pending → synced</c> (success),
/// <c>pending → conflict</c>, <c>pending → error</c>, <c>conflict → synced</c> (resolution) and
/// <c>error → pending</c> (retry while fewer than the maximum retries were made).
/// </remarks>
[JsonConverter(typeof(WireEnumJsonConverter<SyncStatus>))]
public enum SyncStatus
{
    /// <summary>Both sides agree. Wire value <c>synced</c>.</summary>
    [WireValue("synced")]
    Synced,

    /// <summary>A change waits to be synced. Wire value <c>pending</c>.</summary>
    [WireValue("pending")]
    Pending,

    /// <summary>Both sides changed a field whose rule asks a person to decide. Wire value <c>conflict</c>.</summary>
    [WireValue("conflict")]
    Conflict,

    /// <summary>The last sync failed. Wire value <c>error</c>.</summary>
    [WireValue("error")]
    Error,
}
