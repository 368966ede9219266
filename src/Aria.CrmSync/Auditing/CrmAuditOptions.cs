namespace Aria.CrmSync;

/// <summary>Options of the audit trail.</summary>
public sealed class CrmAuditOptions
{
    /// <summary>
    /// Gets or sets the Base64 key (at least 32 bytes) that signs exported chain anchors
    /// (<see cref="ICrmAuditService.ExportAnchorAsync"/>); keep it outside the database. <see langword="null"/> exports unsigned anchors.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? AnchorSigningKey { get; set; }

    /// <summary>Gets or sets the identifier recorded with signed anchors, so keys can rotate.</summary>
    /// <value>The default value is <c>default</c>.</value>
    public string AnchorKeyId { get; set; } = "default";

    internal byte[]? KeyBytes() => AnchorSigningKey is null ? null : Convert.FromBase64String(AnchorSigningKey);
}
