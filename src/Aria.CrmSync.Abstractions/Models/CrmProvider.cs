using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>A CRM the library keeps lead memories in sync with.</summary>
/// <remarks>Serialized as its wire value (<c>salesforce</c>, <c>hubspot</c>).</remarks>
[JsonConverter(typeof(WireEnumJsonConverter<CrmProvider>))]
public enum CrmProvider
{
    /// <summary>Salesforce (Opportunities). Wire value <c>salesforce</c>.</summary>
    [WireValue("salesforce")]
    Salesforce,

    /// <summary>HubSpot (Deals). Wire value <c>hubspot</c>.</summary>
    [WireValue("hubspot")]
    HubSpot,
}
