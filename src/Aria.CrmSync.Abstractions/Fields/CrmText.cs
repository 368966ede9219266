using System.Text;

namespace Aria.CrmSync.Fields;

/// <summary>The canonical form of text: Unicode NFC without surrounding white space.</summary>
internal static class CrmText
{
    /// <summary>The canonical form; text that is not well-formed UTF-16 (a lone surrogate) is only trimmed.</summary>
    public static string Canonical(string value)
    {
        var trimmed = value.Trim();
        return !IsWellFormed(trimmed) || trimmed.IsNormalized(NormalizationForm.FormC) ? trimmed : trimmed.Normalize(NormalizationForm.FormC);
    }

    /// <summary>Whether <paramref name="value"/> is well-formed UTF-16 (every surrogate paired).</summary>
    public static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
