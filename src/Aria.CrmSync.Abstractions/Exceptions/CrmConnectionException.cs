namespace Aria.CrmSync;

/// <summary>
/// The CRM could not be reached or refused the connection's credentials (including an <c>invalid_grant</c> refresh,
/// which needs the user to authorise again). Seed-compatible: code <c>CRM_CONNECTION_ERROR</c>, status 502.
/// </summary>
public class CrmConnectionException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_CONNECTION_ERROR";

    /// <summary>Initializes a new instance with the message <c>Failed to connect to {provider}</c>.</summary>
    /// <param name="provider">The CRM.</param>
    public CrmConnectionException(CrmProvider provider)
        : this(provider, message: null)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="provider">The CRM.</param>
    /// <param name="message">The message; defaults to <c>Failed to connect to {provider}</c>.</param>
    /// <param name="innerException">The cause.</param>
    /// <param name="requiresReauthorization">Whether the user must authorise the connection again.</param>
    public CrmConnectionException(CrmProvider provider, string? message, Exception? innerException = null, bool requiresReauthorization = false)
        : base(message ?? $"Failed to connect to {Serialization.WireValue.Format(provider)}", ErrorCode, 502, Build(provider, requiresReauthorization), innerException)
    {
        RequiresReauthorization = requiresReauthorization;
    }

    /// <summary>Gets a value indicating whether the user must authorise the connection again (refresh token revoked or expired).</summary>
    public bool RequiresReauthorization { get; }

    private static Dictionary<string, object?> Build(CrmProvider provider, bool reauth)
    {
        var details = ProviderDetails(provider);
        if (reauth)
        {
            details["requires_reauthorization"] = true;
        }

        return details;
    }
}
