using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>HubSpot's webhook request signatures, compared in constant time.</summary>
internal static class HubSpotWebhookSignature
{
    /// <summary>The characters HubSpot decodes in the request URI before signing (v3).</summary>
    private static readonly (string Encoded, string Decoded)[] DecodedInUri =
    [
        ("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"), ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";"),
    ];

    /// <summary>v3: Base64(HMAC-SHA256(key = client secret, UTF-8(method + uri + body + timestamp))).</summary>
    public static byte[] ComputeV3(string secret, string method, string uri, ReadOnlySpan<byte> body, string timestamp)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(method + uri));
        hmac.AppendData(body);
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
        return hmac.GetHashAndReset();
    }

    /// <summary>v1: hex(SHA-256(secret + body)); v2: hex(SHA-256(secret + method + uri + body)).</summary>
    public static string ComputeLegacy(string version, string secret, string method, string uri, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(version == "v2" ? secret + method + uri : secret));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static bool VerifyV3(string secret, string method, string uri, ReadOnlySpan<byte> body, string timestamp, string signature)
    {
        Span<byte> provided = stackalloc byte[64];
        if (!Convert.TryFromBase64String(signature.Trim(), provided, out var written))
        {
            return false;
        }

        var ok = false;
        foreach (var candidate in UriCandidates(uri))
        {
            ok |= CryptographicOperations.FixedTimeEquals(ComputeV3(secret, method, candidate, body, timestamp), provided[..written]);
        }

        return ok;
    }

    public static bool VerifyLegacy(string version, string secret, string method, string uri, ReadOnlySpan<byte> body, string signature)
    {
        var provided = Encoding.ASCII.GetBytes(signature.Trim().ToLowerInvariant());
        var ok = false;
        foreach (var candidate in version == "v2" ? UriCandidates(uri) : [uri])
        {
            ok |= CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ComputeLegacy(version, secret, method, candidate, body)), provided);
        }

        return ok;
    }

    /// <summary>The URI as received and, when it differs, with the characters HubSpot decodes before signing.</summary>
    private static List<string> UriCandidates(string uri)
    {
        var decoded = uri;
        foreach (var (encoded, plain) in DecodedInUri)
        {
            decoded = decoded.Replace(encoded, plain, StringComparison.OrdinalIgnoreCase);
        }

        return decoded == uri ? [uri] : [uri, decoded];
    }

    public static bool TryParseTimestamp(string? value, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 253_402_300_799_999L)
        {
            return false;
        }

        timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return true;
    }
}
