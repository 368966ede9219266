using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>A buffered CRM response: status, headers and body, read once. <see cref="CrmHttpGateway.SendAsync(CrmConnection, HttpMethod, Uri, HttpContent?, string, bool, CancellationToken, System.Net.HttpStatusCode[])"/> returns it.</summary>
/// <param name="endpoint">The endpoint name the request was sent for.</param>
/// <param name="status">The HTTP status.</param>
/// <param name="headers">The response headers.</param>
/// <param name="contentHeaders">The content headers, if any.</param>
/// <param name="body">The body.</param>
public sealed class CrmHttpResponse(string endpoint, HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders? contentHeaders, byte[] body)
{
    /// <summary>Gets the endpoint name the request was sent for.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>
    /// Gets a value indicating whether the response proves the CRM did not process the request: a 4xx (other than 408)
    /// answering its only attempt (an earlier attempt may have been applied).
    /// </summary>
    public bool RefusedUnprocessed { get; init; }

    /// <summary>Gets the HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>Gets the response headers.</summary>
    public HttpResponseHeaders Headers { get; } = headers;

    /// <summary>Gets the content headers, if any.</summary>
    public HttpContentHeaders? ContentHeaders { get; } = contentHeaders;

    /// <summary>
    /// Gets the body, with every escaped lone UTF-16 surrogate (<c>"\ud800"</c>, which JSON parsers accept but no string can
    /// hold) replaced by the escape of U+FFFD: the documented rule for CRM text (see docs/security.md), so that one such
    /// value makes neither the call nor every later sync of the connection fail.
    /// </summary>
    public byte[] Body => _body.Bytes;

    /// <summary>Gets a value indicating whether the body had escaped lone surrogates replaced with U+FFFD.</summary>
    public bool TextRepaired => _body.Repaired;

    private readonly (byte[] Bytes, bool Repaired) _body = (RepairLoneSurrogateEscapes(body, out var repaired), repaired);

    /// <summary>Gets a value indicating whether the status is 2xx.</summary>
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>Gets the body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>Gets a response or content header, its values joined with <c>", "</c>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value, or <see langword="null"/> when the header is absent.</returns>
    public string? Header(string name)
        => Headers.TryGetValues(name, out var values) || (ContentHeaders?.TryGetValues(name, out values) ?? false)
            ? string.Join(", ", values!)
            : null;

    /// <summary>
    /// Parses the body as JSON; a malformed body, or one with a string that is not valid UTF-16 (an escaped lone
    /// surrogate such as <c>"\ud800"</c>, which the parser accepts but no string can be read from), is a
    /// <see cref="CrmSyncDataException"/> naming the endpoint.
    /// </summary>
    /// <param name="provider">The CRM (named in the exception).</param>
    /// <returns>The document; dispose it.</returns>
    /// <exception cref="CrmSyncDataException">The body is not JSON, or holds a string that is not valid UTF-16.</exception>
    public JsonDocument Json(CrmProvider provider)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Body);
        }
        catch (JsonException ex)
        {
            throw Malformed(provider, ex);
        }

        if (!HasReadableStrings())
        {
            document.Dispose();
            throw Unreadable(provider);
        }

        return document;
    }

    /// <summary>Deserializes the body; a malformed or unexpected body is a <see cref="CrmSyncDataException"/> naming the endpoint.</summary>
    /// <typeparam name="T">The type to read.</typeparam>
    /// <param name="provider">The CRM (named in the exception).</param>
    /// <param name="options">The serializer options.</param>
    /// <returns>The value.</returns>
    /// <exception cref="CrmSyncDataException">The body is not JSON, is JSON <c>null</c>, or does not fit <typeparamref name="T"/>.</exception>
    public T Read<T>(CrmProvider provider, JsonSerializerOptions options)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(Body, options)
                ?? throw new CrmSyncDataException($"{Serialization.WireValue.Format(provider)} returned JSON null", Endpoint, provider);
        }
        catch (JsonException ex)
        {
            throw new CrmSyncDataException($"{Serialization.WireValue.Format(provider)} returned an unexpected body for {typeof(T).Name} (HTTP {(int)Status}): {ex.Message}", Endpoint, provider, ex);
        }
        catch (Exception ex) when (ex is NotSupportedException or ArgumentException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new CrmSyncDataException($"{Serialization.WireValue.Format(provider)} returned an unexpected body for {typeof(T).Name} (HTTP {(int)Status}): {ex.Message}", Endpoint, provider, ex);
        }
    }

    /// <summary>
    /// Reads the body a row at a time: the items of the top-level array (<paramref name="rowsProperty"/>
    /// <see langword="null"/>) or of the array under one property of the top-level object, each parsed into a document
    /// of its own when it is reached and handed to <paramref name="row"/>; the top-level object's other properties go to
    /// <paramref name="property"/>. A large body (a page of 2,000 records, about a megabyte) is never one document: a
    /// document of the whole body rents an index of its size from the shared array pool, which keeps such buffers cached
    /// per thread long after the parse (heap dumps at 100,000 leads: 7 MB of them held by the pool). The body is checked
    /// whole first (well-formed, readable strings: the same <see cref="CrmSyncDataException"/> as <see cref="Json"/>), so
    /// no row is handed over from a body that turns out malformed. Returns <see langword="false"/> when the body is not of
    /// that shape (the caller reads it with <see cref="Json"/> to report what is wrong, and discards what
    /// <paramref name="property"/> was given).
    /// </summary>
    internal bool TryReadRows(CrmProvider provider, string? rowsProperty, Action<JsonElement> row, Action<string, JsonElement>? property = null)
    {
        bool readable;
        try
        {
            readable = HasReadableStrings(); // also reads the whole body: a malformed one throws here
        }
        catch (JsonException ex)
        {
            throw Malformed(provider, ex);
        }

        if (!readable)
        {
            throw Unreadable(provider);
        }

        var reader = new Utf8JsonReader(Body);
        reader.Read();
        if (rowsProperty is null)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            ReadItems(ref reader, row);
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (name == rowsProperty)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                ReadItems(ref reader, row);
                found = true;
            }
            else
            {
                using var value = JsonDocument.ParseValue(ref reader);
                property?.Invoke(name, value.RootElement);
            }
        }

        return found;
    }

    /// <summary>Hands each item of the array the reader is at to <paramref name="row"/>, each parsed on its own.</summary>
    private static void ReadItems(ref Utf8JsonReader reader, Action<JsonElement> row)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            using var item = JsonDocument.ParseValue(ref reader);
            row(item.RootElement);
        }
    }

    private CrmSyncDataException Malformed(CrmProvider provider, JsonException ex)
        => new($"{Serialization.WireValue.Format(provider)} returned a malformed JSON body (HTTP {(int)Status}, {Body.Length} bytes)", Endpoint, provider, ex);

    private CrmSyncDataException Unreadable(CrmProvider provider)
        => new($"{Serialization.WireValue.Format(provider)} returned a JSON body with a string that is not valid UTF-16 (HTTP {(int)Status}, {Body.Length} bytes)", Endpoint, provider);

    /// <summary>Whether every escaped string and property name of the (well-formed) body decodes to valid UTF-16.</summary>
    private bool HasReadableStrings()
    {
        var reader = new Utf8JsonReader(Body);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Replaces each <c>\\uXXXX</c> escape of a lone surrogate with <c>\\uFFFD</c> (same length); returns the input when there is none.</summary>
    internal static byte[] RepairLoneSurrogateEscapes(byte[] body, out bool repaired)
    {
        repaired = false;
        if (body.AsSpan().IndexOf("\\u"u8) < 0)
        {
            return body;
        }

        byte[]? result = null;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != (byte)'\\' || i + 1 >= body.Length)
            {
                continue;
            }

            if (body[i + 1] != (byte)'u')
            {
                i++; // another escape (\\\\, \\", ...): skip its second character
                continue;
            }

            if (!TryEscapedUnit(body, i, out var unit))
            {
                continue;
            }

            if (char.IsHighSurrogate(unit) && TryEscapedUnit(body, i + 6, out var next) && char.IsLowSurrogate(next))
            {
                i += 11; // a valid pair
                continue;
            }

            if (char.IsSurrogate(unit))
            {
                result ??= (byte[])body.Clone();
                "\\ufffd"u8.CopyTo(result.AsSpan(i));
                repaired = true;
            }

            i += 5;
        }

        return result ?? body;
    }

    private static bool TryEscapedUnit(byte[] body, int at, out char unit)
    {
        unit = default;
        if (at + 6 > body.Length || body[at] != (byte)'\\' || body[at + 1] != (byte)'u')
        {
            return false;
        }

        var ok = ushort.TryParse(Encoding.ASCII.GetString(body, at + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var value);
        unit = (char)value;
        return ok;
    }

    /// <summary>Reads a <c>Retry-After</c> header (seconds or HTTP date).</summary>
    /// <param name="now">The current time, to turn a date into a delay.</param>
    /// <returns>The delay (zero for a date already passed), or <see langword="null"/> without the header.</returns>
    public TimeSpan? RetryAfter(DateTimeOffset now)
    {
        if (Headers.RetryAfter is { } retry)
        {
            if (retry.Delta is { } delta)
            {
                return delta;
            }

            if (retry.Date is { } date)
            {
                return date > now ? date - now : TimeSpan.Zero;
            }
        }

        return null;
    }
}
