using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>How a field changed on both sides is resolved.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<ConflictResolution>))]
public enum ConflictResolution
{
    /// <summary>The CRM value is kept and written to the lead. Wire value <c>crm_wins</c>.</summary>
    [WireValue("crm_wins")]
    CrmWins,

    /// <summary>The lead's value is kept and written to the CRM. Wire value <c>aria_wins</c>.</summary>
    [WireValue("aria_wins")]
    AriaWins,

    /// <summary>Both values are kept (notes: ARIA pushes its notes, CRM notes come back as events). Wire value <c>merge</c>.</summary>
    [WireValue("merge")]
    Merge,

    /// <summary>Nothing is written; the lead goes to <see cref="SyncStatus.Conflict"/> for a person to decide. Wire value <c>manual</c>.</summary>
    [WireValue("manual")]
    Manual,
}
