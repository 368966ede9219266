using System.Text.Json;
using System.Text.Json.Nodes;
using Aria.CrmSync.Security;
using Aria.CrmSync.Serialization;
using Aria.CrmSync.Storage;

namespace Aria.CrmSync.Auditing;

/// <summary>
/// Builds the JSON details of audit entries (snake_case, credentials removed, canonical). Details the engine builds
/// from CRM values have their text repaired (<see cref="StorableText.Repair"/>); details a host passes as JSON must
/// already be strict (<see cref="CanonicalJson.Problem"/>): duplicate keys, NUL, lone surrogates and inexact numbers are
/// refused, so what is hashed is exactly what is stored and read back.
/// </summary>
internal static class AuditDetails
{
    /// <summary>The detail that keeps a time a host gave for an entry (the trail assigns <c>created_at</c> itself).</summary>
    public const string OccurredAtKey = "occurred_at";

    public static JsonElement From(IReadOnlyDictionary<string, object?>? details)
    {
        if (details is null || details.Count == 0)
        {
            return CrmAuditEntry.EmptyDetails;
        }

        JsonElement element;
        try
        {
            element = JsonSerializer.SerializeToElement(Repaired(details), CrmSyncJson.Options);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or JsonException)
        {
            throw new CrmSyncValidationException($"The audit details cannot be written as JSON: {ex.Message}", "details");
        }

        return Strict(SecretRedactor.Redact(element), "details");
    }

    /// <summary>Checks and canonicalises details a host passed as JSON.</summary>
    public static JsonElement Sanitize(JsonElement details, string field = "details")
        => details.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => CrmAuditEntry.EmptyDetails,
            JsonValueKind.Object => Strict(CheckStrict(details, field), field),
            _ => throw new CrmSyncValidationException($"{field} must be a JSON object.", field),
        };

    /// <summary>Returns <paramref name="details"/> with <see cref="OccurredAtKey"/> set to <paramref name="occurredAt"/> (unless the host set one).</summary>
    public static JsonElement WithOccurredAt(JsonElement details, DateTimeOffset occurredAt)
    {
        var node = JsonNode.Parse(details.GetRawText())!.AsObject();
        if (node.ContainsKey(OccurredAtKey))
        {
            return details;
        }

        node[OccurredAtKey] = AuditTime.Format(occurredAt);
        return CanonicalJson.Canonicalize(JsonSerializer.SerializeToElement(node));
    }

    private static JsonElement CheckStrict(JsonElement details, string field)
        => CanonicalJson.Problem(details) is { } problem
            ? throw new CrmSyncValidationException($"{field}: {problem}.", field)
            : SecretRedactor.Redact(details);

    private static JsonElement Strict(JsonElement element, string field)
    {
        var canonical = CanonicalJson.Canonicalize(element);
        return CanonicalJson.Problem(canonical) is { } problem
            ? throw new CrmSyncValidationException($"{field}: {problem}.", field)
            : canonical;
    }

    private static Dictionary<string, object?> Repaired(IReadOnlyDictionary<string, object?> details)
    {
        var result = new Dictionary<string, object?>(details.Count, StringComparer.Ordinal);
        foreach (var (key, value) in details)
        {
            var repaired = false;
            result[StorableText.Repair(key, ref repaired)!] = value switch
            {
                string text => StorableText.Repair(text, ref repaired),
                IEnumerable<string?> texts => texts.Select(t => StorableText.Repair(t, ref repaired)).ToArray(),
                _ => value,
            };
        }

        return result;
    }
}
