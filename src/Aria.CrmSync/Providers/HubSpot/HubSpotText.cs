using System.Net;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>Turns HubSpot's rich-text (HTML) activity bodies into plain text.</summary>
internal static partial class HubSpotText
{
    /// <summary>Returns the plain text of an HTML fragment: block ends and <c>br</c> become line breaks, tags are removed, entities decoded.</summary>
    public static string? ToPlainText(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return string.IsNullOrEmpty(html) ? html : html.Trim();
        }

        if (html.IndexOf('<', StringComparison.Ordinal) < 0 && html.IndexOf('&', StringComparison.Ordinal) < 0)
        {
            return html.Trim();
        }

        var text = ScriptOrStyle().Replace(html, string.Empty);
        text = LineBreak().Replace(text, "\n");
        text = Tag().Replace(text, string.Empty);
        text = WebUtility.HtmlDecode(text).Replace('\u00A0', ' ');
        text = SpaceRun().Replace(text, " ");
        text = BlankLines().Replace(text, "\n\n");
        return string.Join('\n', text.Split('\n').Select(l => l.Trim())).Trim();
    }

    [GeneratedRegex(@"<(script|style)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<br\s*/?>|</(p|div|li|h[1-6]|tr|blockquote)\s*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex(@"[ \t\r\f\v]+", RegexOptions.CultureInvariant)]
    private static partial Regex SpaceRun();

    [GeneratedRegex(@"\n\s*\n(\s*\n)+", RegexOptions.CultureInvariant)]
    private static partial Regex BlankLines();
}
