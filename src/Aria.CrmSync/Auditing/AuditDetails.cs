using System.Text.Json;
using Aria.CrmSync.Security;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Auditing;

/// <summary>Builds the JSON details of audit entries (snake_case, credentials removed).</summary>
internal static class AuditDetails
{
    public static JsonElement From(IReadOnlyDictionary<string, object?>? details)
    {
        if (details is null || details.Count == 0)
        {
            return CrmAuditEntry.EmptyDetails;
        }

        var element = JsonSerializer.SerializeToElement(details, CrmSyncJson.Options);
        return CanonicalJson.Canonicalize(SecretRedactor.Redact(element));
    }

    public static JsonElement Sanitize(JsonElement details)
        => details.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => CrmAuditEntry.EmptyDetails,
            JsonValueKind.Object => CanonicalJson.Canonicalize(SecretRedactor.Redact(details)),
            _ => throw new ArgumentException("Audit details must be a JSON object.", nameof(details)),
        };
}
