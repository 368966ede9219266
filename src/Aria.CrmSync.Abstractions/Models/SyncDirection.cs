using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>The direction of a sync operation.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<SyncDirection>))]
public enum SyncDirection
{
    /// <summary>ARIA to CRM. Wire value <c>push</c>.</summary>
    [WireValue("push")]
    Push,

    /// <summary>CRM to ARIA. Wire value <c>pull</c>.</summary>
    [WireValue("pull")]
    Pull,

    /// <summary>Both ways. Wire value <c>bidirectional</c>.</summary>
    [WireValue("bidirectional")]
    Bidirectional,
}
