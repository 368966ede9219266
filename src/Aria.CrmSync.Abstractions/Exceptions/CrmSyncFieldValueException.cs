namespace Aria.CrmSync;

/// <summary>
/// A field value cannot be read, written or compared: it is not of the field's type (a number that is not a number, a
/// date that is not a date, a currency code that is not ISO 4217) or the CRM would refuse it (too long, beyond the
/// field's precision, not a value of a restricted picklist). Names the field and what is wrong; fails that field of that
/// lead, not the whole sync. Code <c>CRM_SYNC_FIELD_VALUE</c>, status 400.
/// </summary>
public class CrmSyncFieldValueException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_FIELD_VALUE";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="field">The lead field.</param>
    /// <param name="problem">What is wrong with the value, for example <c>"'12,5' is not a number"</c>.</param>
    /// <param name="provider">The CRM whose value or field it is, if any.</param>
    /// <param name="crmField">The CRM field, if any.</param>
    /// <param name="innerException">The cause, if any.</param>
    public CrmSyncFieldValueException(string field, string problem, CrmProvider? provider = null, string? crmField = null, Exception? innerException = null)
        : base($"{MessagePrefix}field '{field}'{(crmField is null ? string.Empty : $" ({(provider is { IsDefault: false } p ? p.Value + " " : string.Empty)}{crmField})")}: {problem}", ErrorCode, 400, Build(field, problem, provider, crmField), innerException)
    {
        Field = field;
        Problem = problem;
        CrmField = crmField;
    }

    /// <summary>Gets the lead field (also in <see cref="CrmSyncException.Details"/> as <c>field</c>).</summary>
    public string Field { get; }

    /// <summary>Gets what is wrong with the value (also in <see cref="CrmSyncException.Details"/> as <c>problem</c>).</summary>
    public string Problem { get; }

    /// <summary>Gets the CRM field, if any (also in <see cref="CrmSyncException.Details"/> as <c>crm_field</c>).</summary>
    public string? CrmField { get; }

    private static Dictionary<string, object?> Build(string field, string problem, CrmProvider? provider, string? crmField)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(problem);
        var details = ProviderDetails(provider is { IsDefault: false } ? provider : null);
        details["field"] = field;
        details["problem"] = problem;
        if (crmField is not null)
        {
            details["crm_field"] = crmField;
        }

        return details;
    }
}
