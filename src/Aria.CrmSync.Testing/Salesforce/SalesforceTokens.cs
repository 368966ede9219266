namespace Aria.CrmSync.Testing;

/// <summary>An access/refresh token pair issued by the <see cref="SalesforceEmulator"/>, for seeding clients.</summary>
/// <param name="AccessToken">The access token (<c>Authorization: Bearer …</c>).</param>
/// <param name="RefreshToken">The refresh token, or <see langword="null"/> when none was granted.</param>
/// <param name="InstanceUrl">The <c>instance_url</c>: the emulator's base address.</param>
/// <param name="IdentityUrl">The <c>id</c> URL, <c>{instance}/id/{orgId}/{userId}</c>.</param>
/// <param name="IssuedAt">When the tokens were issued.</param>
/// <param name="Scope">The granted scopes, space separated.</param>
public sealed record SalesforceTokens(string AccessToken, string? RefreshToken, Uri InstanceUrl, Uri IdentityUrl, DateTimeOffset IssuedAt, string Scope)
{
    /// <summary>Returns a description without the tokens.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => $"SalesforceTokens {{ AccessToken = ***, RefreshToken = {(RefreshToken is null ? "null" : "***")}, InstanceUrl = {InstanceUrl}, IssuedAt = {IssuedAt:O}, Scope = {Scope} }}";
}
