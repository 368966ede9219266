using System.Buffers;
using System.Text.Json;

namespace Aria.CrmSync.Providers.Composio;

/// <content>Wraps the provider request into Composio's proxy call.</content>
internal sealed partial class ComposioBroker
{
    // ---- request ------------------------------------------------------------------------------------------------------

    private static async Task<HttpContent> WrapAsync(Call call, CancellationToken cancellationToken)
    {
        var request = call.Request;
        var method = request.Method.Method.ToUpperInvariant();
        if (method is not ("GET" or "POST" or "PUT" or "DELETE" or "PATCH" or "HEAD"))
        {
            throw new CrmSyncValidationException($"Composio's proxy cannot send an HTTP {method} request ({call.Endpoint}).", "method", call.Connection.Provider);
        }

        var uri = request.RequestUri ?? throw new InvalidOperationException("A CRM request has no URI.");
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("connected_account_id", call.AccountId);
            writer.WriteString("endpoint", EndpointOf(uri, call.Connection, call.Settings.UseAbsoluteEndpoints));
            writer.WriteString("method", method);
            writer.WriteStartArray("parameters");
            foreach (var (name, value) in QueryOf(uri))
            {
                WriteParameter(writer, name, value, "query");
            }

            foreach (var header in request.Headers)
            {
                if (!DroppedRequestHeaders.Contains(header.Key))
                {
                    WriteParameter(writer, header.Key, string.Join(", ", header.Value), "header");
                }
            }

            writer.WriteEndArray();
            if (request.Content is { } content)
            {
                var bytes = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                var mediaType = content.Headers.ContentType?.MediaType;
                if (bytes.Length > 0 && IsJson(mediaType) && TryParse(bytes) is { } json)
                {
                    using (json)
                    {
                        writer.WritePropertyName("body");
                        json.RootElement.WriteTo(writer);
                    }
                }
                else if (bytes.Length > 0)
                {
                    writer.WriteStartObject("binary_body");
                    writer.WriteString("base64", Convert.ToBase64String(bytes));
                    if (content.Headers.ContentType is { } type)
                    {
                        writer.WriteString("content_type", type.ToString());
                    }

                    writer.WriteEndObject();
                }
            }

            writer.WriteEndObject();
        }

        var wrapped = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        wrapped.Headers.ContentType = JsonMediaType;
        return wrapped;
    }

    /// <summary>
    /// The proxy endpoint: the path relative to the connection's base (its path prefix removed), or with
    /// <see cref="ComposioOptions.UseAbsoluteEndpoints"/> the provider URL without its query. The query always travels
    /// as <c>parameters</c>. Only the account's own provider is ever reached: Composio addresses it, not the host.
    /// </summary>
    internal static string EndpointOf(Uri uri, CrmConnection connection, bool absolute)
    {
        if (absolute)
        {
            return uri.GetLeftPart(UriPartial.Path);
        }

        var path = uri.AbsolutePath;
        if (connection.InstanceUrl is { } instance)
        {
            var prefix = instance.AbsolutePath.TrimEnd('/');
            if (prefix.Length > 0 && path.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                path = path[prefix.Length..];
            }
        }

        return path;
    }

    /// <summary>The query's name/value pairs, decoded (RFC 3986: <c>+</c> stays a plus), in order, repeats kept.</summary>
    internal static List<(string Name, string Value)> QueryOf(Uri uri)
    {
        var pairs = new List<(string, string)>();
        var query = uri.Query;
        if (query.Length <= 1)
        {
            return pairs;
        }

        foreach (var part in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? string.Empty : part[(equals + 1)..];
            pairs.Add((Uri.UnescapeDataString(name), Uri.UnescapeDataString(value)));
        }

        return pairs;
    }

    private static void WriteParameter(Utf8JsonWriter writer, string name, string value, string type)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("value", value);
        writer.WriteString("type", type);
        writer.WriteEndObject();
    }

    private static bool IsJson(string? mediaType)
        => mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static JsonDocument? TryParse(byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
