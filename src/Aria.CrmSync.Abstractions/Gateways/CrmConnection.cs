using System.Text;

namespace Aria.CrmSync;

/// <summary>How credentials of a connection are presented to the CRM.</summary>
public enum CrmCredentialKind
{
    /// <summary>An OAuth 2.0 access token, refreshed with a refresh token when it expires.</summary>
    OAuth,

    /// <summary>A static bearer token (HubSpot private app); never refreshed.</summary>
    StaticToken,

    /// <summary>Credentials held by a broker (a Composio connected account); the library never sees the CRM tokens.</summary>
    Brokered,
}

/// <summary>
/// Where and how to call a CRM for one user: the resolved form of a user's integration. Credentials are redacted
/// from <see cref="ToString"/>, so a connection can be logged safely.
/// </summary>
public sealed record CrmConnection
{
    /// <summary>Gets the user.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the CRM.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>
    /// Gets a stable key for the connection (org or portal plus user), used for cursors, rate budgets and token
    /// caches. Defaults to <c>{provider}:{userId}</c>.
    /// </summary>
    public string ConnectionKey
    {
        get => _connectionKey ?? $"{Serialization.WireValue.Format(Provider)}:{UserId}";
        init => _connectionKey = value;
    }

    /// <summary>Gets the name of the provider options to use (named options; empty for the default).</summary>
    public string OptionsName { get; init; } = string.Empty;

    /// <summary>Gets the API base address (Salesforce <c>instance_url</c>; HubSpot API host), when not from options.</summary>
    public Uri? InstanceUrl { get; init; }

    /// <summary>Gets how the credentials are presented.</summary>
    public CrmCredentialKind CredentialKind { get; init; } = CrmCredentialKind.OAuth;

    /// <summary>Gets the current access token (secret).</summary>
    public string? AccessToken { get; init; }

    /// <summary>Gets the refresh token (secret).</summary>
    public string? RefreshToken { get; init; }

    /// <summary>Gets the broker's connected-account id (Composio <c>connected_account_id</c>), for brokered connections.</summary>
    public string? BrokerAccountId { get; init; }

    /// <summary>
    /// Gets the CRM fields, beyond the ones the gateway always syncs, that the engine syncs for this connection: the
    /// custom fields of its field catalogue (and the record's currency field where an amount carries its currency),
    /// named as the CRM spells them. A gateway reads them into <see cref="CrmRecord.Fields"/> wherever it reads records
    /// and accepts them as keys of <see cref="CrmRecordUpdate.Fields"/>. Empty by default; set by the engine.
    /// </summary>
    public IReadOnlyList<string> RecordFields { get; init; } = [];

    private readonly string? _connectionKey;

    /// <summary>Returns a description of the connection without its secrets.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder("CrmConnection { ");
        builder.Append("Provider = ").Append(Serialization.WireValue.Format(Provider))
            .Append(", UserId = ").Append(UserId)
            .Append(", ConnectionKey = ").Append(ConnectionKey)
            .Append(", CredentialKind = ").Append(CredentialKind)
            .Append(", InstanceUrl = ").Append(InstanceUrl)
            .Append(", AccessToken = ").Append(AccessToken is null ? "null" : "***")
            .Append(", RefreshToken = ").Append(RefreshToken is null ? "null" : "***")
            .Append(" }");
        return builder.ToString();
    }
}
