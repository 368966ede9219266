using System.Text;
using System.Web;

namespace Aria.CrmSync.Testing;

/// <summary>An HTTP request as the emulators see it, independent of how it arrived (in-process or over loopback).</summary>
public sealed class EmulatorRequest
{
    private IReadOnlyDictionary<string, string>? _query;

    /// <summary>Initializes a new instance of the <see cref="EmulatorRequest"/> class.</summary>
    /// <param name="method">The HTTP method, upper case.</param>
    /// <param name="path">The URL path, percent-decoded, starting with <c>/</c>.</param>
    /// <param name="queryString">The raw query string, with or without the leading <c>?</c>.</param>
    /// <param name="headers">The request headers (names case-insensitive; repeated values joined with <c>, </c>).</param>
    /// <param name="body">The request body.</param>
    public EmulatorRequest(string method, string path, string? queryString, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        Method = method.ToUpperInvariant();
        Path = path;
        QueryString = string.IsNullOrEmpty(queryString) ? string.Empty : (queryString[0] == '?' ? queryString : "?" + queryString);
        Headers = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        Body = body;
    }

    /// <summary>Gets the HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>Gets the URL path (decoded).</summary>
    public string Path { get; }

    /// <summary>Gets the raw query string including the leading <c>?</c>, or empty.</summary>
    public string QueryString { get; }

    /// <summary>Gets the headers (case-insensitive names).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Gets the body bytes.</summary>
    public byte[] Body { get; }

    /// <summary>Gets the body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>Gets the query parameters (decoded; the first value of a repeated name).</summary>
    public IReadOnlyDictionary<string, string> Query => _query ??= ParseQuery(QueryString);

    /// <summary>Gets the bearer token of the <c>Authorization</c> header, if any.</summary>
    public string? BearerToken
        => Headers.TryGetValue("Authorization", out var value) && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? value["Bearer ".Length..].Trim()
            : null;

    /// <summary>Gets a header value, or <see langword="null"/>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value.</returns>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>Parses the body as an <c>application/x-www-form-urlencoded</c> form.</summary>
    /// <returns>The form fields (first value of a repeated name).</returns>
    public IReadOnlyDictionary<string, string> ReadForm() => ParseQuery(BodyText);

    private static Dictionary<string, string> ParseQuery(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var parsed = HttpUtility.ParseQueryString(text.TrimStart('?'));
        foreach (var key in parsed.AllKeys)
        {
            if (key is not null && !result.ContainsKey(key))
            {
                result[key] = parsed.GetValues(key)?[0] ?? string.Empty;
            }
        }

        return result;
    }
}
