using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Security;

/// <summary>
/// Keeps credentials out of logs, exception messages and audit details: removes the values of credential-like keys,
/// bearer tokens, token-bearing query/form parameters and any known secret string.
/// </summary>
internal static partial class SecretRedactor
{
    public const string Mask = "[REDACTED]";

    private static readonly string[] SecretKeyParts =
    [
        "token", "secret", "password", "passwd", "authorization", "api_key", "apikey", "api-key", "x-api-key", "cookie", "signature", "client_assertion", "code_verifier",
    ];

    public static bool IsSecretKey(string key)
    {
        foreach (var part in SecretKeyParts)
        {
            if (key.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Redacts free text (an error message), including the given known secrets.</summary>
    public static string Redact(string? text, IEnumerable<string?>? knownSecrets = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = text;
        if (knownSecrets is not null)
        {
            foreach (var secret in knownSecrets)
            {
                if (!string.IsNullOrEmpty(secret) && secret.Length >= 6)
                {
                    result = result.Replace(secret, Mask, StringComparison.Ordinal);
                }
            }
        }

        result = BearerPattern().Replace(result, "Bearer " + Mask);
        result = KeyValuePattern().Replace(result, m => m.Groups[1].Value + m.Groups[2].Value + Mask);
        return result;
    }

    /// <summary>Redacts a JSON value: credential-like keys get <see cref="Mask"/>, strings are redacted as text.</summary>
    public static JsonElement Redact(JsonElement element, IEnumerable<string?>? knownSecrets = null)
    {
        var secrets = knownSecrets?.ToArray();
        if (!NeedsRedaction(element, secrets))
        {
            return element;
        }

        var node = JsonNode.Parse(element.GetRawText());
        var redacted = RedactNode(node, secrets);
        return JsonSerializer.SerializeToElement(redacted);
    }

    /// <summary>A true/false or null value carries no credential (e.g. <c>requires_reauthorization: true</c>): it is kept.</summary>
    private static bool IsFlagOrNull(JsonValueKind kind) => kind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null;

    private static bool NeedsRedaction(JsonElement element, string?[]? secrets)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if ((IsSecretKey(property.Name) && !IsFlagOrNull(property.Value.ValueKind)) || NeedsRedaction(property.Value, secrets))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (NeedsRedaction(item, secrets))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.String:
                var text = element.GetString()!;
                return !string.Equals(Redact(text, secrets), text, StringComparison.Ordinal);
            default:
                return false;
        }
    }

    private static JsonNode? RedactNode(JsonNode? node, string?[]? secrets)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    obj[key] = IsSecretKey(key) && obj[key] is { } value && !IsFlagOrNull(value.GetValueKind()) ? JsonValue.Create(Mask) : RedactNode(obj[key], secrets);
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = RedactNode(array[i]?.DeepClone(), secrets);
                }

                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var redacted = Redact(text, secrets);
                return ReferenceEquals(text, redacted) || text == redacted ? value.DeepClone() : JsonValue.Create(redacted);
            default:
                return node?.DeepClone();
        }
    }

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9\-\._~\+/!=\*]{6,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"((?:access_token|refresh_token|client_secret|api_key|apikey|hapikey|password)\s*)([=:]\s*""?)[^\s&"",;]{4,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValuePattern();
}
