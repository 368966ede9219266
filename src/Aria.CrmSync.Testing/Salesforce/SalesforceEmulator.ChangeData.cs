namespace Aria.CrmSync.Testing;

/// <summary>Change Data Capture of the emulated org.</summary>
public sealed partial class SalesforceEmulator
{
    /// <summary>Gets the org's Change Data Capture event bus (what the Pub/Sub API serves).</summary>
    public SalesforceChangeEvents ChangeEvents { get; }

    /// <summary>
    /// Checks the Pub/Sub API's per-call authentication metadata (<c>accesstoken</c>, <c>instanceurl</c>,
    /// <c>tenantid</c>; Pub/Sub API, "Supported Authentication" and "Headers for RPC Method Calls":
    /// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/supported-auth.html). The instance URL must name
    /// the org's host (any scheme and port: the REST server may be plain HTTP while Pub/Sub is TLS); the tenant id is
    /// the org id, 15 or 18 characters.
    /// </summary>
    /// <returns>Null when accepted, otherwise why not.</returns>
    internal string? AuthenticatePubSub(string? accessToken, string? instanceUrl, string? tenantId)
    {
        if (string.IsNullOrEmpty(accessToken) || string.IsNullOrEmpty(instanceUrl) || string.IsNullOrEmpty(tenantId))
        {
            return "the accesstoken, instanceurl and tenantid metadata headers are required";
        }

        var orgId = Org.OrganizationId;
        if (!(tenantId.Length == 18 ? string.Equals(tenantId, orgId, StringComparison.Ordinal) : tenantId.Length == 15 && orgId.StartsWith(tenantId, StringComparison.Ordinal)))
        {
            return "the tenantid does not name this org";
        }

        if (!Uri.TryCreate(instanceUrl, UriKind.Absolute, out var instance) || !string.Equals(instance.Host, InstanceUrl.Host, StringComparison.OrdinalIgnoreCase))
        {
            return "the instanceurl does not name this org's instance";
        }

        lock (_gate)
        {
            return _oauth.Authenticate(accessToken) ? null : "the access token is invalid or expired";
        }
    }
}
