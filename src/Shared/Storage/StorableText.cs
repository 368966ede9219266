using System.Text;

namespace Aria.CrmSync.Storage;

/// <summary>
/// The one rule that says which text every store can hold, shared by the engine (which repairs CRM text to it) and the
/// stores (which refuse anything else with a typed error). PostgreSQL <c>text</c> and <c>jsonb</c> cannot hold U+0000,
/// and no store can encode a lone UTF-16 surrogate as UTF-8; so storable text has neither. Ids are also non-blank,
/// free of control and bidirectional-formatting characters, and bounded, because they are keys and index entries.
/// </summary>
/// <remarks>Shared source: compiled into the engine package and each store package.</remarks>
internal static class StorableText
{
    /// <summary>The longest id (user, lead, record, entry, event, CRM id, idempotency key) any store accepts, in UTF-16 code units.</summary>
    public const int MaxIdLength = 256;

    /// <summary>The longest text value (a subject, a body, an error message, a JSON column) any store accepts: 1 MiB code units.</summary>
    public const int MaxTextLength = 1 << 20;

    /// <summary>The longest JSON column (a sync state's snapshot or outbox, a lead's metadata, audit details) any store accepts: 16 MiB code units.</summary>
    public const int MaxJsonLength = 16 << 20;

    /// <summary>What a NUL from a CRM becomes: U+2400 SYMBOL FOR NULL (visible, one character, so positions are kept).</summary>
    public const char NulReplacement = '\u2400';

    /// <summary>What a lone surrogate from a CRM becomes.</summary>
    public const char SurrogateReplacement = '\uFFFD';

    /// <summary>Returns the first reason <paramref name="value"/> is not storable text, or <see langword="null"/>.</summary>
    public static string? TextProblem(ReadOnlySpan<char> value, int maxLength = MaxTextLength)
    {
        if (value.Length > maxLength)
        {
            return $"is {value.Length} characters long (at most {maxLength})";
        }

        if (value.IndexOf('\0') >= 0)
        {
            return "contains U+0000 (NUL), which PostgreSQL cannot store";
        }

        return FirstLoneSurrogate(value) is { } at ? $"contains a lone UTF-16 surrogate at index {at}" : null;
    }

    /// <summary>Returns the first reason <paramref name="value"/> is not a valid id, or <see langword="null"/>.</summary>
    public static string? IdProblem(string? value, int maxLength = MaxIdLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is null, empty or blank";
        }

        if (value.Length > maxLength)
        {
            return $"is {value.Length} characters long (at most {maxLength})";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) || IsBidiControl(c))
            {
                return $"contains the control or formatting character U+{(int)c:X4}";
            }
        }

        return FirstLoneSurrogate(value) is { } at ? $"contains a lone UTF-16 surrogate at index {at}" : null;
    }

    /// <summary>Throws <see cref="CrmSyncValidationException"/> naming <paramref name="field"/> unless <paramref name="value"/> is a valid id.</summary>
    public static void RequireId(string? value, string field)
    {
        if (IdProblem(value) is { } problem)
        {
            throw new CrmSyncValidationException($"{field} {problem}.", field);
        }
    }

    /// <summary>Like <see cref="RequireId"/>, but <see langword="null"/> is allowed.</summary>
    public static void RequireOptionalId(string? value, string field)
    {
        if (value is not null)
        {
            RequireId(value, field);
        }
    }

    /// <summary>Throws <see cref="CrmSyncValidationException"/> naming <paramref name="field"/> unless <paramref name="value"/> is storable text (<see langword="null"/> is).</summary>
    public static void RequireText(string? value, string field, int maxLength = MaxTextLength)
    {
        if (value is not null && TextProblem(value, maxLength) is { } problem)
        {
            throw new CrmSyncValidationException($"{field} {problem}.", field);
        }
    }

    /// <summary>
    /// Checks JSON text produced by the library's serializer: at most <see cref="MaxJsonLength"/>, and no string or key
    /// holding U+0000 or a lone surrogate. System.Text.Json writes both as <c>\uXXXX</c> escapes, which <c>jsonb</c> refuses
    /// and no reader can turn back into valid text, so the parsed values are checked, not the text.
    /// </summary>
    public static void RequireJson(string json, string field)
    {
        RequireText(json, field, MaxJsonLength);
        string? problem;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            problem = Auditing.CanonicalJson.Problem(document.RootElement);
        }
        catch (System.Text.Json.JsonException ex)
        {
            problem = "is not valid JSON: " + ex.Message;
        }

        // Numbers the serializer wrote are the models' own values; only text is checked here.
        if (problem is not null && !problem.Contains("is the number", StringComparison.Ordinal))
        {
            throw new CrmSyncValidationException($"{field}: {problem}.", field);
        }
    }

    /// <summary>Whether <see cref="Repair"/> would change <paramref name="value"/> (it holds U+0000 or a lone surrogate).</summary>
    public static bool NeedsRepair([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value)
        => value is not null && (value.IndexOf('\0') >= 0 || FirstLoneSurrogate(value) is not null);

    /// <summary>
    /// Makes CRM text storable: U+0000 becomes <see cref="NulReplacement"/> and a lone surrogate becomes
    /// <see cref="SurrogateReplacement"/>; everything else is kept. Returns the same instance when nothing changed.
    /// </summary>
    public static string? Repair(string? value, ref bool repaired)
    {
        if (!NeedsRepair(value))
        {
            return value;
        }

        repaired = true;
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                builder.Append(NulReplacement);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append(SurrogateReplacement);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The index of the first lone surrogate, or <see langword="null"/> when the text is valid UTF-16.</summary>
    public static int? FirstLoneSurrogate(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return null;
    }

    /// <summary>Left-to-right/right-to-left marks, embeddings, overrides and isolates (the "Trojan Source" characters).</summary>
    private static bool IsBidiControl(char c) => c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u061C';
}
