namespace Aria.CrmSync.Serialization;

/// <summary>Names the string an enum member has on the wire, in storage and in exports.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
internal sealed class WireValueAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="WireValueAttribute"/> class.</summary>
    /// <param name="value">The wire value, for example <c>crm_wins</c>.</param>
    public WireValueAttribute(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Value = value;
    }

    /// <summary>Gets the wire value.</summary>
    public string Value { get; }
}
