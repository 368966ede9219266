namespace Aria.CrmSync.Testing;

/// <summary>The state of a connected account in the <see cref="ComposioEmulator"/>.</summary>
public enum ComposioAccountStatus
{
    /// <summary>Usable: proxied calls reach the CRM.</summary>
    Active,

    /// <summary>Expired (its refresh token was refused): proxy calls get HTTP 410 until the user connects again.</summary>
    Expired,

    /// <summary>Disabled: proxy calls get HTTP 422.</summary>
    Disabled,
}

/// <summary>A connected account of the <see cref="ComposioEmulator"/>, as it stands now (the CRM tokens it holds are not exposed).</summary>
/// <param name="Id">The connected account id, e.g. <c>ca_…</c>.</param>
/// <param name="Provider">The CRM (toolkit).</param>
/// <param name="UserId">The Composio user id the account belongs to.</param>
/// <param name="Status">The state.</param>
/// <param name="Refreshes">How many times Composio refreshed the account's CRM access token.</param>
/// <param name="HasRefreshToken">Whether the account holds a refresh token.</param>
public sealed record ComposioEmulatorAccount(string Id, CrmProvider Provider, string UserId, ComposioAccountStatus Status, int Refreshes, bool HasRefreshToken);

/// <summary>One proxied call, as Composio's execution log records it.</summary>
/// <param name="LogId">The log id returned in the result (<c>log_id</c>).</param>
/// <param name="AccountId">The connected account.</param>
/// <param name="Provider">The CRM.</param>
/// <param name="Method">The HTTP method sent to the CRM.</param>
/// <param name="Endpoint">The endpoint as received (relative path or absolute URL).</param>
/// <param name="Status">The CRM's HTTP status, or Composio's own error status.</param>
public sealed record ComposioEmulatorLogEntry(string LogId, string AccountId, CrmProvider Provider, string Method, string Endpoint, int Status);
