using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Fields;

/// <summary>The type of a synced field: how its values are parsed, compared and written.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<CrmFieldType>))]
public enum CrmFieldType
{
    /// <summary>Single-line text (Salesforce <c>string</c>, HubSpot <c>string</c>/<c>text</c>). Wire value <c>text</c>.</summary>
    [WireValue("text")]
    Text,

    /// <summary>Multi-line text (Salesforce <c>textarea</c>, HubSpot <c>string</c>/<c>textarea</c>). Wire value <c>long_text</c>.</summary>
    [WireValue("long_text")]
    LongText,

    /// <summary>A whole number (Salesforce <c>int</c> or <c>double</c> with scale 0, HubSpot <c>number</c>). Wire value <c>integer</c>.</summary>
    [WireValue("integer")]
    Integer,

    /// <summary>A decimal number (Salesforce <c>double</c>, HubSpot <c>number</c>). Wire value <c>decimal</c>.</summary>
    [WireValue("decimal")]
    Decimal,

    /// <summary>An amount of money (Salesforce <c>currency</c>, HubSpot <c>number</c> with <c>showCurrencySymbol</c>). Wire value <c>currency</c>.</summary>
    [WireValue("currency")]
    Currency,

    /// <summary>A percentage, canonical in percent units (Salesforce <c>percent</c>; HubSpot <c>number</c> holding a fraction). Wire value <c>percent</c>.</summary>
    [WireValue("percent")]
    Percent,

    /// <summary>A calendar date without a time (Salesforce <c>date</c>, HubSpot <c>date</c>, or <c>datetime</c> at UTC midnight). Wire value <c>date</c>.</summary>
    [WireValue("date")]
    Date,

    /// <summary>An instant (Salesforce <c>datetime</c>, HubSpot <c>datetime</c>). Wire value <c>datetime</c>.</summary>
    [WireValue("datetime")]
    DateTime,

    /// <summary>True or false (Salesforce <c>boolean</c>, HubSpot <c>bool</c>). Wire value <c>boolean</c>.</summary>
    [WireValue("boolean")]
    Boolean,

    /// <summary>One value of a list (Salesforce <c>picklist</c>, HubSpot <c>enumeration</c>); needs a value map per CRM. Wire value <c>picklist</c>.</summary>
    [WireValue("picklist")]
    Picklist,

    /// <summary>A set of values of a list, <c>;</c>-separated in both CRMs (Salesforce <c>multipicklist</c>, HubSpot <c>enumeration</c> with <c>checkbox</c>); needs a value map per CRM. Wire value <c>multi_picklist</c>.</summary>
    [WireValue("multi_picklist")]
    MultiPicklist,
}
