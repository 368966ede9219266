using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Fields;

/// <summary>How a field changed on both sides (the lead and the CRM) since the last agreed value is resolved.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<CrmFieldConflictRule>))]
public enum CrmFieldConflictRule
{
    /// <summary>The CRM value is kept and written to the lead. Wire value <c>crm_wins</c>.</summary>
    [WireValue("crm_wins")]
    CrmWins,

    /// <summary>The lead's value is kept and written to the CRM. Wire value <c>aria_wins</c>.</summary>
    [WireValue("aria_wins")]
    AriaWins,

    /// <summary>Nothing is written; the lead goes to conflict for a person to decide. Wire value <c>manual</c>.</summary>
    [WireValue("manual")]
    Manual,

    /// <summary>The CRM value wins unless it is blank, in which case the lead's value is kept. Wire value <c>crm_wins_unless_blank</c>.</summary>
    [WireValue("crm_wins_unless_blank")]
    CrmWinsUnlessBlank,

    /// <summary>The lead's value wins unless it is blank, in which case the CRM value is kept. Wire value <c>aria_wins_unless_blank</c>.</summary>
    [WireValue("aria_wins_unless_blank")]
    AriaWinsUnlessBlank,
}
