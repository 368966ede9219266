using Aria.CrmSync.Storage;

namespace Aria.CrmSync.Auditing;

/// <summary>Guard clauses for ids at the public entry points (non-blank, no control or bidi characters, bounded: <see cref="StorableText.IdProblem"/>).</summary>
internal static class AuditInput
{
    /// <summary>Throws <see cref="ArgumentNullException"/> for null and <see cref="ArgumentException"/> (with <paramref name="paramName"/>) for an invalid id.</summary>
    public static void ThrowIfInvalidId(string? value, string paramName, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (StorableText.IdProblem(value) is { } problem)
        {
            throw new ArgumentException($"{what ?? paramName} {problem}.", paramName);
        }
    }
}
