namespace Aria.CrmSync;

/// <summary>
/// A user's Composio connected account for a CRM, as the host stores it (ARIA keeps it in
/// <c>user_integrations.composio_connection_id</c>). <see cref="ComposioConnectionResolver"/> turns it into a
/// <see cref="CrmCredentialKind.Brokered"/> <see cref="CrmConnection"/>.
/// </summary>
public sealed class ComposioConnectedAccount
{
    /// <summary>Gets or sets the user.</summary>
    public string UserId { get; set; } = string.Empty;

    /// <summary>Gets or sets the CRM.</summary>
    public CrmProvider Provider { get; set; }

    /// <summary>Gets or sets Composio's connected account id (<c>connected_account_id</c>, e.g. <c>ca_…</c>); an identifier, not a credential.</summary>
    public string ConnectedAccountId { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the provider's API base as Composio addresses it, when the host knows it (the Salesforce org's
    /// <c>instance_url</c>). Without it, HubSpot connections use <c>HubSpotOptions.BaseAddress</c> and Salesforce
    /// connections a placeholder that never resolves (<c>https://{account}.salesforce.composio.invalid</c>): with
    /// relative proxy endpoints (the default) only the path reaches Composio, which knows the org it connected.
    /// </summary>
    public Uri? InstanceUrl { get; set; }

    /// <summary>Gets or sets the name of the provider options the connection uses (empty for the default).</summary>
    public string OptionsName { get; set; } = string.Empty;
}
