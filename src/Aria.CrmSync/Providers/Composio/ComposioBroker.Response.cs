using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Aria.CrmSync.Providers.Composio;

/// <content>Unwraps Composio's proxy result into the CRM's own response.</content>
internal sealed partial class ComposioBroker
{
    // ---- response -----------------------------------------------------------------------------------------------------

    /// <summary>Turns the proxy result into the CRM's own response (status, headers, body).</summary>
    private HttpResponseMessage Unwrap(Call call, JsonElement result)
    {
        var provider = call.Connection.Provider;
        call.Trace.LogId = Text(result, "log_id");
        var successful = result.TryGetProperty("successful", out var flag) && flag.ValueKind is JsonValueKind.True or JsonValueKind.False ? flag.GetBoolean() : (bool?)null;
        int? crmStatus = null;
        if (result.TryGetProperty("status", out var statusElement) && statusElement.ValueKind != JsonValueKind.Null)
        {
            if (statusElement.ValueKind != JsonValueKind.Number || !statusElement.TryGetInt32(out var value) || value is < 100 or > 599)
            {
                throw Malformed(call, 200, null, "'status' is not an HTTP status code");
            }

            crmStatus = value;
        }

        if (crmStatus is null && successful is null && !result.TryGetProperty("data", out _))
        {
            throw Malformed(call, 200, null, "neither 'status' nor 'data'");
        }

        if (successful == false && crmStatus is null or < 400)
        {
            // Composio says the call failed but gives no CRM answer to map.
            var message = Clean(ErrorText(result), call) ?? "no reason given";
            ComposioLog.FailedWithoutStatus(_logger, Format(provider), call.Endpoint, call.Connection.ConnectionKey, call.AccountId, call.Trace.LogId);
            throw new CrmConnectionException(provider, $"Composio reported the {Format(provider)} call {call.Endpoint} as failed without the CRM's answer: {message}")
                .WithDetails(call.Trace.Details());
        }

        if (result.TryGetProperty("binary_data", out var binary) && binary.ValueKind == JsonValueKind.Object)
        {
            throw Malformed(call, 200, null, "a binary body (binary_data) where the CRM API answers JSON");
        }

        var status = crmStatus ?? 200;
        var headers = new List<(string Name, string Value)>();
        string? contentType = null;
        if (result.TryGetProperty("headers", out var headerObject) && headerObject.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in headerObject.EnumerateObject())
            {
                var value = header.Value.ValueKind switch
                {
                    JsonValueKind.String => header.Value.GetString(),
                    JsonValueKind.Number => header.Value.GetRawText(),
                    JsonValueKind.Array => string.Join(", ", header.Value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString())),
                    _ => null,
                };
                if (value is null || DroppedResponseHeaders.Contains(header.Name))
                {
                    continue;
                }

                if (header.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    contentType = value;
                }
                else
                {
                    headers.Add((header.Name, value));
                }
            }
        }

        var body = BodyOf(result, contentType);
        var response = new HttpResponseMessage((HttpStatusCode)status)
        {
            RequestMessage = call.Request,
            Content = new ByteArrayContent(body),
        };
        if (body.Length > 0)
        {
            response.Content.Headers.ContentType = contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed : JsonMediaType;
        }

        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        ComposioLog.Proxied(_logger, Format(provider), call.Endpoint, call.Connection.ConnectionKey, call.AccountId, status, call.Trace.LogId);
        Activity.Current?.AddEvent(new ActivityEvent("composio.proxy", tags: new ActivityTagsCollection
        {
            ["crm.endpoint"] = call.Endpoint,
            ["crm.status"] = status,
            ["composio.log_id"] = call.Trace.LogId,
        }));
        return response;
    }

    /// <summary>The CRM's body: JSON <c>data</c> as JSON text, a string <c>data</c> as its text (the body of a non-JSON answer), nothing for null.</summary>
    private static byte[] BodyOf(JsonElement result, string? contentType)
    {
        if (!result.TryGetProperty("data", out var data) || data.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return [];
        }

        if (data.ValueKind == JsonValueKind.String)
        {
            var text = data.GetString()!;
            var isJson = contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var type) && IsJson(type.MediaType);
            if (!isJson || TryParse(Encoding.UTF8.GetBytes(text)) is { } parsed && Dispose(parsed))
            {
                return Encoding.UTF8.GetBytes(text);
            }
        }

        return Encoding.UTF8.GetBytes(data.GetRawText());

        static bool Dispose(JsonDocument document)
        {
            document.Dispose();
            return true;
        }
    }
}
