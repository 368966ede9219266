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
}
