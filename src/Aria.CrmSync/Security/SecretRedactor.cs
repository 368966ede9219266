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

    /// <summary>Words of a key that name a credential wherever they appear (<c>client_secret</c>, <c>x-api-key</c>, <c>Cookie</c>).</summary>
    private static readonly HashSet<string> SecretWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "secret", "password", "passwd", "pwd", "authorization", "apikey", "hapikey", "cookie", "signature", "assertion", "verifier", "credential", "credentials", "privatekey",
    };

    /// <summary>Words after <c>token</c> that make the key a property of a token, not the token (<c>token_type</c>, <c>token_count</c>).</summary>
    private static readonly HashSet<string> TokenMetadataWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "type", "count", "usage", "used", "limit", "expiry", "expires", "ttl", "endpoint", "url", "uri",
    };

    /// <summary>
    /// Whether a key names a credential: one of <see cref="SecretWords"/>, <c>api</c> then <c>key</c>, <c>private</c> then
    /// <c>key</c>, or the word <c>token</c> (singular: <c>access_token</c>, <c>refreshToken</c>, <c>id-token</c>) unless a
    /// metadata word follows it. Counters such as <c>tokens_used</c> or <c>max_tokens</c> are not secrets.
    /// </summary>
    public static bool IsSecretKey(string key)
    {
        var words = KeyWords(key);
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var next = i + 1 < words.Count ? words[i + 1] : null;
            if (SecretWords.Contains(word)
                || (word.Equals("key", StringComparison.OrdinalIgnoreCase) && i > 0 && (words[i - 1].Equals("api", StringComparison.OrdinalIgnoreCase) || words[i - 1].Equals("private", StringComparison.OrdinalIgnoreCase)))
                || (word.Equals("token", StringComparison.OrdinalIgnoreCase) && (next is null || !TokenMetadataWords.Contains(next))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Splits a key into words at <c>_ - . space</c> and lower-to-upper case changes.</summary>
    private static List<string> KeyWords(string key)
    {
        var words = new List<string>();
        var start = 0;
        for (var i = 0; i <= key.Length; i++)
        {
            var boundary = i == key.Length || key[i] is '_' or '-' or '.' or ' ' || (i > start && char.IsUpper(key[i]) && char.IsLower(key[i - 1]));
            if (!boundary)
            {
                continue;
            }

            if (i > start)
            {
                words.Add(key[start..i]);
            }

            start = i < key.Length && key[i] is '_' or '-' or '.' or ' ' ? i + 1 : i;
        }

        return words;
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
