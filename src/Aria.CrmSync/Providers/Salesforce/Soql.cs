using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>
/// Builds SOQL literals safely: strings quoted with Salesforce's escape sequences, LIKE patterns with their wildcards
/// escaped, date-times as unquoted ISO-8601 UTC, and id lists only from validated ids. Queries are never built from raw input.
/// </summary>
internal static partial class Soql
{
    /// <summary>Quotes a string literal (<c>'…'</c>) with <c>\' \" \\ \n \r \t \b \f</c> and <c>\uXXXX</c> for other control characters.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 2).Append('\'');
        AppendEscaped(builder, value, like: false);
        return builder.Append('\'').ToString();
    }

    /// <summary>A LIKE operand matching values that contain <paramref name="value"/> (its <c>%</c> and <c>_</c> escaped).</summary>
    public static string LikeContains(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 4).Append("'%");
        AppendEscaped(builder, value, like: true);
        return builder.Append("%'").ToString();
    }

    /// <summary>
    /// A date-time literal: unquoted <c>YYYY-MM-DDThh:mm:ssZ</c> in UTC, the form SOQL documents (SOQL and SOSL Reference,
    /// Date Formats and Date Literals in WHERE:
    /// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm).
    /// The value is floored to its second: audit fields are whole seconds, so a bound inside a second must still
    /// include that second's records (every caller compares with <c>&gt;=</c>, <c>&gt;</c> or the cursor's <c>=</c>,
    /// where flooring only widens the result).
    /// </summary>
    public static string DateTime(DateTimeOffset value)
        => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A parenthesised list of id literals; every id must have been validated with <see cref="SalesforceIds"/>.</summary>
    public static string IdList(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var builder = new StringBuilder("(");
        var first = true;
        foreach (var id in ids)
        {
            if (!SalesforceIds.IsValid(id))
            {
                throw new ArgumentException("Only validated Salesforce ids may be listed.", nameof(ids));
            }

            builder.Append(first ? string.Empty : ",").Append('\'').Append(id).Append('\'');
            first = false;
        }

        if (first)
        {
            throw new ArgumentException("An id list must not be empty.", nameof(ids));
        }

        return builder.Append(')').ToString();
    }

    /// <summary>The compound-cursor condition: strictly after (<paramref name="timestamp"/>, <paramref name="lastId"/>), or at/after the timestamp when there is no last id.</summary>
    public static string After(string timestampField, DateTimeOffset timestamp, string? lastId)
    {
        var ts = DateTime(timestamp);
        if (lastId is null)
        {
            return $"{timestampField} >= {ts}";
        }

        SalesforceIds.Require(lastId, "cursor.LastId");
        return $"({timestampField} > {ts} OR ({timestampField} = {ts} AND Id > {Quote(lastId)}))";
    }

    private static void AppendEscaped(StringBuilder builder, string value, bool like)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '\'': builder.Append(@"\'"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                case '\b': builder.Append(@"\b"); break;
                case '\f': builder.Append(@"\f"); break;
                case '%' when like: builder.Append(@"\%"); break;
                case '_' when like: builder.Append(@"\_"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }
    }
}

/// <summary>Salesforce record ids: 15 case-sensitive or 18 case-safe letters and digits.</summary>
internal static partial class SalesforceIds
{
    /// <summary>The key prefix of Opportunity ids.</summary>
    public const string OpportunityPrefix = "006";

    public static bool IsValid(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Throws <see cref="CrmSyncValidationException"/> naming <paramref name="field"/> unless <paramref name="id"/> is an id.</summary>
    public static string Require(string? id, string field)
        => IsValid(id)
            ? id!
            : throw new CrmSyncValidationException($"{field} is not a Salesforce id (15 or 18 letters and digits); nothing was sent.", field, CrmProvider.Salesforce);

    /// <summary>Compares ids as Salesforce does: by their 15-character case-sensitive form.</summary>
    public static bool SameRecord(string a, string b)
        => string.Equals(a.Length >= 15 ? a[..15] : a, b.Length >= 15 ? b[..15] : b, StringComparison.Ordinal);

    [GeneratedRegex(@"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?\z", RegexOptions.CultureInvariant)] // \z: $ would accept a trailing newline
    private static partial Regex IdPattern();
}
