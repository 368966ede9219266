using Aria.CrmSync.Fields;

namespace Aria.CrmSync.Testing.Conformance;

/// <summary>A custom field of the CRM under test and a value of it, for <see cref="CrmGatewayCustomFieldConformanceTests"/>.</summary>
public sealed class CrmConformanceFieldSample
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="field">The field: its <see cref="CrmFieldDefinition.CrmFields"/> names the CRM field of the gateway's provider.</param>
    /// <param name="value">A value the CRM field holds (not blank), of the field's type.</param>
    public CrmConformanceFieldSample(CrmFieldDefinition field, CrmFieldValue value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        Field = field;
        Value = value;
    }

    /// <summary>Gets the field.</summary>
    public CrmFieldDefinition Field { get; }

    /// <summary>Gets the value to write and read back.</summary>
    public CrmFieldValue Value { get; }
}
