using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <summary>An HTTP response produced by an emulator.</summary>
public sealed class EmulatorResponse
{
    private static readonly JsonSerializerOptions WireJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Initializes a new instance of the <see cref="EmulatorResponse"/> class.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="body">The body bytes (empty for none).</param>
    /// <param name="contentType">The content type, or <see langword="null"/> for no body.</param>
    public EmulatorResponse(int statusCode, byte[]? body = null, string? contentType = null)
    {
        StatusCode = statusCode;
        Body = body ?? [];
        ContentType = contentType;
    }

    /// <summary>Gets the HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>Gets the body bytes.</summary>
    public byte[] Body { get; private set; }

    /// <summary>Gets the content type.</summary>
    public string? ContentType { get; }

    /// <summary>Gets the response headers (besides Content-Type and Content-Length).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets a value indicating whether the connection should be dropped after part of the body was sent.</summary>
    public bool AbortAfterBody { get; set; }

    /// <summary>Gets the body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>Creates a JSON response.</summary>
    /// <param name="statusCode">The status code.</param>
    /// <param name="body">The JSON body.</param>
    /// <returns>The response.</returns>
    public static EmulatorResponse Json(int statusCode, JsonNode? body)
        => new(statusCode, Encoding.UTF8.GetBytes(body?.ToJsonString(WireJson) ?? "null"), "application/json;charset=UTF-8");

    /// <summary>Creates a JSON response from raw JSON text.</summary>
    /// <param name="statusCode">The status code.</param>
    /// <param name="json">The JSON text.</param>
    /// <returns>The response.</returns>
    public static EmulatorResponse RawJson(int statusCode, string json)
        => new(statusCode, Encoding.UTF8.GetBytes(json), "application/json;charset=UTF-8");

    /// <summary>Creates a response without a body.</summary>
    /// <param name="statusCode">The status code, typically 204.</param>
    /// <returns>The response.</returns>
    public static EmulatorResponse Empty(int statusCode = 204) => new(statusCode);

    /// <summary>Adds a header and returns this response.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The header value.</param>
    /// <returns>This response.</returns>
    public EmulatorResponse WithHeader(string name, string value)
    {
        Headers[name] = value;
        return this;
    }

    /// <summary>Replaces the body (used by fault injection to truncate or corrupt it).</summary>
    /// <param name="body">The new body.</param>
    internal void ReplaceBody(byte[] body) => Body = body;
}
