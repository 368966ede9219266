using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <summary>Short-circuits request handling with a HubSpot error response.</summary>
internal sealed class HubSpotApiException : Exception
{
    public HubSpotApiException(int statusCode, JsonObject body)
        : base(body["message"]?.GetValue<string>() ?? "HubSpot error")
    {
        StatusCode = statusCode;
        Body = body;
    }

    public int StatusCode { get; }

    public JsonObject Body { get; }
}

/// <summary>A property validation failure (one entry of HubSpot's <c>Property values were not valid</c> error).</summary>
internal sealed record HubSpotPropertyError(string Name, string Code, string Message);
