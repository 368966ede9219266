using Aria.CrmSync.Fields;

namespace Aria.CrmSync;

/// <summary>
/// A field mapping (a <see cref="CrmFieldCatalog"/>, or its configuration) is invalid. Carries every problem found,
/// each naming the field. Code <c>CRM_SYNC_FIELD_MAPPING</c>, status 400.
/// </summary>
public class CrmSyncFieldMappingException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_FIELD_MAPPING";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="issues">The problems (at least one).</param>
    /// <exception cref="ArgumentException"><paramref name="issues"/> is empty.</exception>
    public CrmSyncFieldMappingException(IEnumerable<CrmFieldIssue> issues)
        : this(Materialize(issues))
    {
    }

    private CrmSyncFieldMappingException(CrmFieldIssue[] issues)
        : base(MessagePrefix + "invalid field mapping: " + string.Join("; ", issues.Select(i => i.Message)), ErrorCode, 400, Build(issues), innerException: null)
    {
        Issues = issues;
    }

    /// <summary>Gets the problems, in the order found.</summary>
    public IReadOnlyList<CrmFieldIssue> Issues { get; }

    /// <summary>Gets the lead field of the first problem (also in <see cref="CrmSyncException.Details"/> as <c>field</c>).</summary>
    public string Field => Issues[0].Field;

    /// <summary>Gets the connection of the first problem, when found against a connection's metadata (also in <see cref="CrmSyncException.Details"/> as <c>connection</c>).</summary>
    public string? Connection => Issues[0].Connection;

    private static CrmFieldIssue[] Materialize(IEnumerable<CrmFieldIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var array = issues.ToArray();
        if (array.Length == 0 || array.Any(i => i is null))
        {
            throw new ArgumentException("At least one issue, and no null issue, is required.", nameof(issues));
        }

        return array;
    }

    private static Dictionary<string, object?> Build(CrmFieldIssue[] issues)
    {
        var first = issues[0];
        var details = ProviderDetails(first.Provider);
        details["field"] = first.Field;
        details["problem"] = Serialization.WireValue.Format(first.Kind);
        if (first.CrmField is not null)
        {
            details["crm_field"] = first.CrmField;
        }

        if (first.Connection is not null)
        {
            details["connection"] = first.Connection;
        }

        details["issues"] = issues.Length;
        return details;
    }
}
