namespace Aria.CrmSync;

/// <summary>Tokens returned by a refresh, to be persisted through <see cref="ICrmConnectionResolver.SaveTokensAsync"/>.</summary>
public sealed record CrmTokenSet
{
    /// <summary>Gets the new access token (secret).</summary>
    public required string AccessToken { get; init; }

    /// <summary>Gets the new refresh token when the CRM rotated it (secret); <see langword="null"/> to keep the old one.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>Gets the API base address the CRM returned (Salesforce <c>instance_url</c>), if any.</summary>
    public Uri? InstanceUrl { get; init; }

    /// <summary>Gets when the CRM issued the token.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>Gets when the token expires, when the CRM says (HubSpot <c>expires_in</c>); Salesforce does not.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Returns a description without the tokens.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"CrmTokenSet {{ AccessToken = ***, RefreshToken = {(RefreshToken is null ? "null" : "***")}, InstanceUrl = {InstanceUrl}, IssuedAt = {IssuedAt}, ExpiresAt = {ExpiresAt} }}";
}
