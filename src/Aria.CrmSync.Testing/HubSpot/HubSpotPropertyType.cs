namespace Aria.CrmSync.Testing;

/// <summary>The type of a HubSpot property (how the emulator validates, compares and sorts its values).</summary>
public enum HubSpotPropertyType
{
    /// <summary>Free text (<c>string</c>).</summary>
    String,

    /// <summary>A number (<c>number</c>), e.g. <c>amount</c>.</summary>
    Number,

    /// <summary>A date-time (<c>datetime</c>): ISO 8601 or epoch milliseconds on input, ISO 8601 with milliseconds on output.</summary>
    DateTime,

    /// <summary>A fixed list of options (<c>enumeration</c>), compared case-sensitively.</summary>
    Enumeration,

    /// <summary>A checkbox (<c>bool</c>): <c>true</c> or <c>false</c>.</summary>
    Bool,

    /// <summary>
    /// A date (<c>date</c>): <c>yyyy-MM-dd</c>, or a timestamp or epoch milliseconds at midnight UTC on input (another time
    /// of day is refused with <c>INVALID_DATE</c>), <c>yyyy-MM-dd</c> on output. "Date properties will only store the date,
    /// and must be set to midnight UTC … If you try to set a value that is not midnight UTC, you will receive an error"
    /// (https://developers.hubspot.com/docs/faq/how-should-timestamps-be-formatted-for-hubspots-apis).
    /// </summary>
    Date,
}
