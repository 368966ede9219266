using System.Text.Json;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>One entry of a Salesforce error array (<c>errorCode</c>, or <c>statusCode</c> inside sObject Collections results).</summary>
internal sealed record SalesforceError(string Code, string Message, IReadOnlyList<string> Fields)
{
    /// <summary>Codes after which a later retry may succeed (lock contention, rolled back with others, outages).</summary>
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "UNABLE_TO_LOCK_ROW", "ALL_OR_NONE_OPERATION_ROLLED_BACK", "PROCESSING_HALTED", "REQUEST_RUNNING_TOO_LONG",
        "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "REQUEST_LIMIT_EXCEEDED", "QUERY_TIMEOUT", "TXN_SECURITY_NO_ACCESS_TEMPORARY",
    };

    public bool IsTransient => TransientCodes.Contains(Code);

    /// <summary>Reads an error array (or a single error object); unreadable input gives no errors.</summary>
    public static List<SalesforceError> ReadAll(JsonElement element)
    {
        var errors = new List<SalesforceError>();
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (Read(item) is { } error)
                {
                    errors.Add(error);
                }
            }
        }
        else if (Read(element) is { } single)
        {
            errors.Add(single);
        }

        return errors;
    }

    public static List<SalesforceError> ReadAll(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return ReadAll(document.RootElement);
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static SalesforceError? Read(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var code = Text(item, "errorCode") ?? Text(item, "statusCode") ?? Text(item, "error");
        if (code is null)
        {
            return null;
        }

        var message = Text(item, "message") ?? Text(item, "error_description") ?? string.Empty;
        var fields = new List<string>();
        if (item.TryGetProperty("fields", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            fields.AddRange(list.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.String).Select(f => f.GetString()!));
        }

        return new SalesforceError(code, message, fields);
    }

    private static string? Text(JsonElement item, string name)
        => item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// Salesforce refused a call with an error the caller cannot fix by waiting (<c>NOT_FOUND</c>, <c>MALFORMED_ID</c>,
/// <c>INVALID_FIELD</c>, <c>MALFORMED_QUERY</c>, <c>INSUFFICIENT_ACCESS</c>…): a <see cref="CrmRequestException"/> whose
/// <see cref="CrmRequestException.ProviderErrorCode"/> is Salesforce's <c>errorCode</c> and whose details add <c>fields</c>.
/// The message never carries credentials.
/// </summary>
internal sealed class SalesforceApiException : CrmRequestException
{
    public SalesforceApiException(string endpoint, int httpStatus, SalesforceError error)
        : base(
            CrmProvider.Salesforce,
            endpoint,
            httpStatus,
            error.Code,
            $"Salesforce {endpoint} failed with HTTP {httpStatus} {error.Code}: {error.Message}".TrimEnd(' ', ':'),
            error.Fields.Count > 0 ? new Dictionary<string, object?> { ["fields"] = error.Fields.ToArray() } : null)
    {
    }

    /// <summary>Gets Salesforce's error code, e.g. <c>MALFORMED_QUERY</c>.</summary>
    public string ErrorCode => ProviderErrorCode!;
}
