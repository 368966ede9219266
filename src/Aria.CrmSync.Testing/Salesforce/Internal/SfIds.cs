using System.Diagnostics.CodeAnalysis;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>Salesforce record ids: 15-character case-sensitive ids and their 18-character case-safe form.</summary>
internal static class SfIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string SuffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    /// <summary>Returns whether <paramref name="value"/> has the shape of an id (15 or 18 alphanumerics).</summary>
    public static bool HasIdShape([NotNullWhen(true)] string? value)
    {
        if (value is null || (value.Length != 15 && value.Length != 18))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Normalizes a 15- or 18-character id to its 18-character form; <see langword="null"/> when malformed or the checksum is wrong.</summary>
    public static string? Normalize(string? value)
    {
        if (!HasIdShape(value))
        {
            return null;
        }

        var full = To18(value[..15]);
        if (value.Length == 18 && !string.Equals(full[15..], value[15..], StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return full;
    }

    /// <summary>Appends the case-safe checksum to a 15-character id.</summary>
    public static string To18(string id15)
    {
        Span<char> suffix = stackalloc char[3];
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var bits = 0;
            for (var i = 0; i < 5; i++)
            {
                if (char.IsAsciiLetterUpper(id15[(chunk * 5) + i]))
                {
                    bits |= 1 << i;
                }
            }

            suffix[chunk] = SuffixAlphabet[bits];
        }

        return id15 + new string(suffix);
    }

    /// <summary>Builds an 18-character id from a key prefix, a 2-character pod and a sequence number.</summary>
    public static string Create(string keyPrefix, string pod, long sequence)
    {
        Span<char> digits = stackalloc char[9];
        var n = sequence;
        for (var i = 8; i >= 0; i--)
        {
            digits[i] = Base62[(int)(n % 62)];
            n /= 62;
        }

        return To18(keyPrefix + pod + "0" + new string(digits));
    }

    /// <summary>Returns a base-62 character for a value in 0–61.</summary>
    public static char Digit(int value) => Base62[value];

    /// <summary>Compares two ids by their 15-character case-sensitive form.</summary>
    public static int Compare(string a, string b)
        => string.CompareOrdinal(a.Length >= 15 ? a[..15] : a, b.Length >= 15 ? b[..15] : b);
}
